// Plays Grafana for the browser harness, for the parts the plugin talks to:
//   GET/POST /api/plugins/<id>/settings           the app's settings; secureJsonData is stored here and
//                                                  only reported back as secureJsonFields (like Grafana)
//   *        /api/plugin-proxy/<id>/exporter/...  the plugin.json `exporter` route: forwards to
//                                                  jsonData.exporterUrl with the stored token added, 502
//                                                  when the exporter cannot be reached
// and serves the harness page for every app URL.
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

const ID = 'nexus-apimonitor-app';
const PROXY = `/api/plugin-proxy/${ID}/exporter`;

export interface HarnessServer {
  url: string;
  /** Every settings POST body, in order. */
  settingsPosts: unknown[];
  /** Every request the proxy forwarded: method and path (with query) as the exporter saw them. */
  proxied: Array<{ method: string; path: string }>;
  close(): Promise<void>;
}

interface State {
  enabled: boolean;
  pinned: boolean;
  jsonData: Record<string, unknown>;
  secureJsonData: Record<string, string>;
}

const PAGE = (datasources: unknown) => `<!doctype html>
<html>
  <head>
    <meta charset="utf-8" />
    <title>Nexus plugin harness</title>
    <link rel="stylesheet" href="/harness.css" />
    <script>window.__NEXUS_DATASOURCES__ = ${JSON.stringify(datasources)};</script>
  </head>
  <body>
    <div id="root"></div>
    <script src="/harness.js"></script>
  </body>
</html>`;

async function readBody(req: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) {
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

export async function startHarnessServer(
  buildDir: string,
  datasources: Array<{ uid: string; name: string }> = []
): Promise<HarnessServer> {
  const state: State = { enabled: true, pinned: true, jsonData: {}, secureJsonData: {} };
  const settingsPosts: unknown[] = [];
  const proxied: HarnessServer['proxied'] = [];

  const send = (res: http.ServerResponse, status: number, body: unknown, type = 'application/json') => {
    res.writeHead(status, { 'content-type': type });
    res.end(typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body));
  };

  async function proxy(req: http.IncomingMessage, res: http.ServerResponse, rest: string) {
    const base = String(state.jsonData.exporterUrl ?? '');
    const target = `${base.replace(/\/+$/, '')}${rest}`;
    proxied.push({ method: req.method ?? 'GET', path: rest });
    const body = await readBody(req);
    let upstream: Response;
    try {
      upstream = await fetch(target, {
        method: req.method,
        headers: {
          ...(req.headers['content-type'] ? { 'content-type': req.headers['content-type'] } : {}),
          authorization: `Bearer ${state.secureJsonData.exporterToken ?? ''}`,
        },
        body: body.length > 0 ? new Uint8Array(body) : undefined,
      });
    } catch {
      return send(res, 502, 'Bad Gateway', 'text/plain');
    }
    const buf = Buffer.from(await upstream.arrayBuffer());
    res.writeHead(upstream.status, {
      'content-type': upstream.headers.get('content-type') ?? 'application/octet-stream',
    });
    res.end(buf);
  }

  const server = http.createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://harness');
      const p = url.pathname;
      if (p === `/api/plugins/${ID}/settings`) {
        if (req.method === 'POST') {
          const body = JSON.parse((await readBody(req)).toString('utf8'));
          settingsPosts.push(body);
          state.enabled = Boolean(body.enabled);
          state.pinned = Boolean(body.pinned);
          state.jsonData = body.jsonData ?? {};
          Object.assign(state.secureJsonData, body.secureJsonData ?? {});
          return send(res, 200, { message: 'Plugin settings updated' });
        }
        const secureJsonFields = Object.fromEntries(Object.keys(state.secureJsonData).map((k) => [k, true]));
        return send(res, 200, {
          enabled: state.enabled,
          pinned: state.pinned,
          jsonData: state.jsonData,
          secureJsonFields,
        });
      }
      if (p.startsWith(`${PROXY}/`)) {
        return await proxy(req, res, p.slice(PROXY.length) + url.search);
      }
      if (p === '/harness.js' || p === '/harness.css') {
        const type = p.endsWith('.js') ? 'text/javascript' : 'text/css';
        return send(res, 200, await readFile(path.join(buildDir, p.slice(1))), type);
      }
      if (p.startsWith('/api/')) {
        return send(res, 404, { message: `${p} is not emulated by the harness` });
      }
      if (p.startsWith('/a/') || p.startsWith('/plugins/')) {
        return send(res, 200, PAGE(datasources), 'text/html');
      }
      return send(res, 404, 'not found', 'text/plain');
    } catch (e) {
      send(res, 500, { message: String(e) });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    settingsPosts,
    proxied,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
