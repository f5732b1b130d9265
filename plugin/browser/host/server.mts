// The server side of the plugin test host: plays Grafana's HTTP server for one app plugin, from the
// built dist/ (its plugin.json is the one Grafana would read). What it serves, and where the behaviour
// comes from (grafana/grafana, stored copies read 2026-11-29):
//   GET  /public/plugins/<id>/*        the plugin's files (pkg/api/plugins.go getPluginAssets; any query
//                                      such as ?_cache= is ignored; 404 {"message":"Plugin file not found"})
//   GET  /api/plugins/<id>/settings    pkg/api/plugins.go GetPluginSettingByID: jsonData, and for
//                                      secureJsonData only `secureJsonFields.<key>: true` for non-empty values
//   POST /api/plugins/<id>/settings    UpdatePluginSetting (org Admins: plugins:write): jsonData replaced,
//                                      secureJsonData merged key by key; {"message":"Plugin settings updated"}
//   *    /api/plugin-proxy/<id>/*      the app proxy, src/test/grafana/pluginProxy.ts (route match, reqRole, templating,
//                                      cookies removed, 502/504 when the upstream fails)
//   POST /api/ds/query                 Prometheus queries of the boot data's data sources, ds-query.mts
//   POST /api/user/auth-tokens/rotate  200: the session is valid (what backendSrv calls after a 401)
//   GET  /public/fonts/*               Grafana's fonts (Inter and Roboto Mono, from @fontsource)
//   GET  anything else but /api/*      the index page with grafanaBootData for the current user
// One server serves the Grafana versions under test one after the other (`use`), with a fresh
// instance state (settings, user) each time.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  directRequest,
  extractProxyPath,
  handleRequest,
  proxiedPluginId,
  responseHeaders,
  upstreamErrorStatus,
  type OrgRole,
  type PluginRoute,
} from '../../src/test/grafana/pluginProxy.ts';
import { buildHost, type GrafanaVersion } from './build.mts';
import { dsQuery, type HostDataSource } from './ds-query.mts';

const here = path.dirname(fileURLToPath(import.meta.url));
const NODE_MODULES = path.resolve(here, '..', '..', '..', 'node_modules');

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.md': 'text/markdown; charset=utf-8',
  '.woff2': 'font/woff2',
  '.html': 'text/html; charset=utf-8',
};

const FONTS: Record<string, string> = {
  'inter/Inter-Regular.woff2': '@fontsource/inter/files/inter-latin-400-normal.woff2',
  'inter/Inter-Italic.woff2': '@fontsource/inter/files/inter-latin-400-italic.woff2',
  'inter/Inter-Medium.woff2': '@fontsource/inter/files/inter-latin-500-normal.woff2',
  'inter/Inter-MediumItalic.woff2': '@fontsource/inter/files/inter-latin-500-italic.woff2',
  'roboto/L0xTDF4xlVMF-BfR8bXMIhJHg45mwgGEFl0_3vrtSM1J-gEPT5Ese6hmHSh0mQ.woff2':
    '@fontsource/roboto-mono/files/roboto-mono-latin-400-normal.woff2',
};

interface PluginJson {
  id: string;
  name: string;
  type: string;
  info: { version: string; description?: string; logos: { small: string; large: string }; [k: string]: unknown };
  includes?: Array<{ type: string; name: string; path: string; role?: string; addToNav?: boolean }>;
  routes?: PluginRoute[];
  dependencies?: unknown;
}

export interface ProxiedCall {
  method: string;
  /** The path and query the browser asked for. */
  url: string;
  status: number;
  /** The route that matched, if any. */
  route?: string;
  /** Grafana's message when it answered itself (no route, access denied, ...). */
  refused?: string;
  /** What the upstream was sent (URL), when it was called. */
  upstream?: string;
}

export interface HostState {
  grafana: GrafanaVersion;
  role: OrgRole;
  theme: 'dark' | 'light';
}

export interface GrafanaHost {
  url: string;
  pluginJson: PluginJson;
  /** Switches to a Grafana version and resets the instance: no plugin settings, an Admin, dark theme. */
  use(grafana: GrafanaVersion): Promise<void>;
  /** Changes the signed-in user's org role or theme (the next page load sees it). */
  set(patch: Partial<Pick<HostState, 'role' | 'theme'>>): void;
  settings: {
    enabled: boolean;
    pinned: boolean;
    jsonData: Record<string, unknown>;
    secureJsonData: Record<string, string>;
  };
  settingsPosts: unknown[];
  proxied: ProxiedCall[];
  tokenRotations: number;
  close(): Promise<void>;
}

export interface HostOptions {
  distDir: string;
  datasources: HostDataSource[];
  /** Grafana's plugin proxy transport dials for 30 s before giving up with 504. */
  dialTimeoutMs?: number;
}

async function readBody(req: http.IncomingMessage, limit = 10 * 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > limit) {
      throw new Error('request body too large');
    }
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

function sendJson(res: http.ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** plugins.CleanRelativePath: no way out of the plugin directory. */
function cleanRelativePath(p: string): string | undefined {
  const clean = path.posix.normalize(`/${decodeURIComponent(p)}`).slice(1);
  return clean.startsWith('..') ? undefined : clean;
}

export async function startGrafanaHost(options: HostOptions): Promise<GrafanaHost> {
  const pluginJson = JSON.parse(await readFile(path.join(options.distDir, 'plugin.json'), 'utf8')) as PluginJson;
  const id = pluginJson.id;
  const pluginBase = `public/plugins/${id}`;
  let state: HostState | undefined;
  let buildDir = '';

  const host: GrafanaHost = {
    url: '',
    pluginJson,
    settings: { enabled: true, pinned: true, jsonData: {}, secureJsonData: {} },
    settingsPosts: [],
    proxied: [],
    tokenRotations: 0,
    async use(grafana) {
      buildDir = await buildHost(grafana);
      state = { grafana, role: 'Admin', theme: 'dark' };
      // The app is installed and enabled (as provisioning does), and not configured yet.
      host.settings = { enabled: true, pinned: true, jsonData: {}, secureJsonData: {} };
      host.settingsPosts.length = 0;
      host.proxied.length = 0;
      host.tokenRotations = 0;
    },
    set(patch) {
      if (!state) {
        throw new Error('call use() first');
      }
      state = { ...state, ...patch };
    },
    close: async () => undefined,
  };

  const signedInUser = () => ({
    UserID: 1,
    OrgID: 1,
    OrgName: 'Main Org.',
    OrgRole: state!.role,
    Login: state!.role === 'Admin' ? 'admin' : 'viewer',
    Name: state!.role === 'Admin' ? 'Admin' : 'Viewer',
  });

  const settingsDto = () => ({
    name: pluginJson.name,
    type: pluginJson.type,
    id,
    enabled: host.settings.enabled,
    pinned: host.settings.pinned,
    module: `${pluginBase}/module.js`,
    baseUrl: pluginBase,
    info: {
      ...pluginJson.info,
      logos: {
        small: `${pluginBase}/${pluginJson.info.logos.small}`,
        large: `${pluginBase}/${pluginJson.info.logos.large}`,
      },
    },
    includes: pluginJson.includes ?? [],
    dependencies: pluginJson.dependencies,
    jsonData: host.settings.jsonData,
    secureJsonFields: Object.fromEntries(
      Object.entries(host.settings.secureJsonData)
        .filter(([, v]) => v.length > 0)
        .map(([k]) => [k, true])
    ),
    defaultNavUrl: `/plugins/${id}/`,
    state: '',
    signature: 'unsigned',
    signatureType: '',
    signatureOrg: '',
    angularDetected: false,
    loadingStrategy: 'fetch',
  });

  const bootData = (serverUrl: string) => {
    const datasources = Object.fromEntries(
      options.datasources.map((d, i) => [
        d.name,
        {
          id: i + 1,
          uid: d.uid,
          type: d.type,
          name: d.name,
          url: `/api/datasources/proxy/uid/${d.uid}`,
          isDefault: i === 0,
          access: 'proxy',
          jsonData: {},
          readOnly: true,
          meta: {
            id: d.type,
            type: 'datasource',
            name: d.type === 'prometheus' ? 'Prometheus' : d.type,
            info: { logos: { small: 'public/img/datasource.svg', large: 'public/img/datasource.svg' } },
            metrics: true,
            module: `core:plugin/${d.type}`,
            baseUrl: `public/app/plugins/datasource/${d.type}`,
          },
        },
      ])
    );
    const s = state!;
    return {
      user: {
        isSignedIn: true,
        id: 1,
        uid: s.role === 'Admin' ? 'admin' : 'viewer',
        login: s.role === 'Admin' ? 'admin' : 'viewer',
        email: '',
        name: s.role,
        theme: s.theme,
        lightTheme: s.theme === 'light',
        orgId: 1,
        orgName: 'Main Org.',
        orgRole: s.role,
        orgCount: 1,
        isGrafanaAdmin: false,
        timezone: 'utc',
        weekStart: 'monday',
        locale: 'en-US',
        language: 'en-US',
        permissions: {},
      },
      settings: {
        appUrl: `${serverUrl}/`,
        appSubUrl: '',
        buildInfo: {
          version: s.grafana.version,
          commit: 'plugin-test-host',
          env: 'production',
          edition: 'Open Source',
        },
        datasources,
        defaultDatasource: options.datasources[0]?.name ?? '',
        featureToggles: { clientTokenRotation: true, pluginProxyPreserveTrailingSlash: true },
        apps: {
          [id]: {
            id,
            path: `${pluginBase}/module.js`,
            version: pluginJson.info.version,
            preload: false,
            angular: { detected: false },
          },
        },
        panels: {},
      },
      navTree: [],
      assets: { dark: '', light: '' },
    };
  };

  const indexHtml = (serverUrl: string) => `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <base href="/" />
    <title>Grafana ${state!.grafana.version} (plugin test host)</title>
    <link rel="stylesheet" href="public/build/host.css" />
    <link rel="icon" href="data:," />
  </head>
  <body class="theme-${state!.theme} app-grafana">
    <div id="reactRoot"></div>
    <script>
      window.grafanaBootData = ${JSON.stringify(bootData(serverUrl))};
      window.__nexusHost = ${JSON.stringify({ pluginId: id, pluginName: pluginJson.name, includes: pluginJson.includes ?? [] })};
    </script>
    <script type="module" src="public/build/host.js"></script>
  </body>
</html>`;

  async function sendFile(res: http.ServerResponse, file: string) {
    let body: Buffer;
    try {
      body = await readFile(file);
    } catch {
      return sendJson(res, 404, { message: 'Plugin file not found' });
    }
    res.writeHead(200, {
      'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
      'cache-control': 'no-cache',
    });
    res.end(body);
  }

  async function proxy(req: http.IncomingMessage, res: http.ServerResponse, url: URL) {
    const call: ProxiedCall = { method: req.method ?? 'GET', url: url.pathname + url.search, status: 0 };
    host.proxied.push(call);
    const reply = (status: number, body: { message: string }) => {
      call.status = status;
      call.refused = body.message;
      sendJson(res, status, body);
    };
    if (proxiedPluginId(url.pathname) !== id) {
      return reply(404, { message: 'Plugin not found, no installed plugin with that id' });
    }
    const decision = handleRequest(pluginJson.routes ?? [], call.method, extractProxyPath(url.pathname), state!.role);
    if ('status' in decision) {
      return reply(decision.status, decision.body);
    }
    call.route = decision.route.path;
    const out = directRequest({
      route: decision.route,
      proxyPath: decision.proxyPath,
      rawQuery: url.search.slice(1),
      method: call.method,
      headers: req.headers,
      remoteAddr: req.socket.remoteAddress ?? '',
      settings: host.settings,
      signedInUser: signedInUser(),
    });
    if ('status' in out) {
      return reply(out.status, out.body);
    }
    const failed = (status: number) => {
      call.status = status;
      if (!res.headersSent) {
        res.writeHead(status);
      }
      res.end();
    };
    if ('failUpstream' in out) {
      return failed(502);
    }
    call.upstream = out.url;
    const body = out.body !== undefined ? Buffer.from(out.body) : await readBody(req);
    const upstream = http.request(out.url, {
      method: call.method,
      headers: { ...out.headers, 'content-length': String(body.length) },
    });
    let connected = false;
    const dialTimer = setTimeout(() => {
      if (!connected) {
        upstream.destroy(Object.assign(new Error('dial timeout'), { code: 'ETIMEDOUT' }));
      }
    }, options.dialTimeoutMs ?? 30_000);
    upstream.on('socket', (socket) => {
      if (socket.connecting) {
        socket.once('connect', () => (connected = true));
      } else {
        connected = true; // a kept-alive connection
      }
    });
    upstream.on('response', (up) => {
      clearTimeout(dialTimer);
      call.status = up.statusCode ?? 502;
      res.writeHead(call.status, responseHeaders(up.headers));
      up.pipe(res);
    });
    upstream.on('error', (e) => {
      clearTimeout(dialTimer);
      failed(upstreamErrorStatus(e, req.socket.destroyed));
    });
    upstream.end(body);
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://host');
    const p = url.pathname;
    if (!state) {
      return sendJson(res, 503, { message: 'host not started: call use()' });
    }
    if (p.startsWith('/api/plugin-proxy/')) {
      return proxy(req, res, url);
    }
    if (p === `/api/plugins/${id}/settings`) {
      if (req.method === 'POST') {
        if (state.role !== 'Admin') {
          return sendJson(res, 403, {
            message: "You'll need additional permissions to perform this action. Permissions needed: plugins:write",
          });
        }
        let cmd: {
          enabled?: boolean;
          pinned?: boolean;
          jsonData?: Record<string, unknown>;
          secureJsonData?: Record<string, string>;
        };
        try {
          cmd = JSON.parse((await readBody(req)).toString('utf8'));
        } catch {
          return sendJson(res, 400, { message: 'bad request data' });
        }
        host.settingsPosts.push(cmd);
        host.settings = {
          enabled: Boolean(cmd.enabled),
          pinned: Boolean(cmd.pinned),
          jsonData: cmd.jsonData ?? {},
          secureJsonData: { ...host.settings.secureJsonData, ...(cmd.secureJsonData ?? {}) },
        };
        return sendJson(res, 200, { message: 'Plugin settings updated' });
      }
      return sendJson(res, 200, settingsDto());
    }
    if (p === '/api/ds/query' && req.method === 'POST') {
      const { status, body } = await dsQuery(options.datasources, (await readBody(req)).toString('utf8'));
      return sendJson(res, status, body);
    }
    if (p === '/api/user/auth-tokens/rotate' && req.method === 'POST') {
      host.tokenRotations++;
      return sendJson(res, 200, {});
    }
    if (p === '/api/login/ping') {
      return sendJson(res, 200, { message: 'Logged in' });
    }
    if (p.startsWith('/api/')) {
      return sendJson(res, 404, { message: 'Not found' });
    }
    if (p.startsWith(`/${pluginBase}/`)) {
      const rel = cleanRelativePath(p.slice(pluginBase.length + 2));
      return rel === undefined
        ? sendJson(res, 404, { message: 'Plugin file not found' })
        : sendFile(res, path.join(options.distDir, rel));
    }
    if (p.startsWith('/public/build/img/icons/')) {
      // Grafana serves the whole Unicons set; the host has @grafana/ui's copy of the icons it uses
      // itself, and a blank icon for the others (heart-rate, spinner).
      const rel = cleanRelativePath(p.slice('/public/build/img/icons/'.length));
      const file =
        rel && path.join(NODE_MODULES, '@grafana', `ui${state.grafana.alias}`, 'dist', 'public', 'img', 'icons', rel);
      if (file && existsSync(file)) {
        return sendFile(res, file);
      }
      res.writeHead(200, { 'content-type': 'image/svg+xml' });
      return res.end('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"></svg>');
    }
    if (p.startsWith('/public/build/')) {
      const rel = cleanRelativePath(p.slice('/public/build/'.length));
      return rel === undefined ? sendJson(res, 404, { message: 'Not found' }) : sendFile(res, path.join(buildDir, rel));
    }
    if (p.startsWith('/public/fonts/')) {
      const font = FONTS[p.slice('/public/fonts/'.length)];
      return font ? sendFile(res, path.join(NODE_MODULES, font)) : sendJson(res, 404, { message: 'Not found' });
    }
    if (p === '/public/img/datasource.svg') {
      res.writeHead(200, { 'content-type': 'image/svg+xml' });
      return res.end(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><circle cx="8" cy="8" r="7" fill="#e6522c"/></svg>'
      );
    }
    if (p.startsWith('/public/')) {
      return sendJson(res, 404, { message: 'Not found' });
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(indexHtml(host.url));
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((e) => {
      if (!res.headersSent) {
        sendJson(res, 500, { message: String(e) });
      } else {
        res.destroy();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  host.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  host.close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return host;
}
