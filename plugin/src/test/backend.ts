// A fake Grafana backend at the network boundary: getBackendSrv().fetch answers from a route table and
// records every request, so tests assert the exact calls a page makes (URL, method, body) and drive the
// unhappy paths (exporter down = Grafana's 502, 401, validation errors) without mocking components.
// Calls to the app's plugin proxy first go through Grafana's own route matching (test/grafana/, ported
// from Grafana's source) against src/plugin.json's routes: a URL no route matches gets Grafana's 404
// "plugin route match not found", whatever the test table says, and fails the test in resetBackend.
import { Observable } from 'rxjs';
import {
  setBackendSrv,
  setDataSourceSrv,
  type BackendSrv,
  type BackendSrvRequest,
  type DataSourceSrv,
  type FetchResponse,
} from '@grafana/runtime';
import type { DataSourceInstanceSettings } from '@grafana/data';
import pluginJson from '../plugin.json';
import { extractProxyPath, handleRequest, proxiedPluginId, type PluginRoute } from './grafana/pluginProxy';

export interface RecordedRequest {
  method: string;
  url: string;
  data?: unknown;
}

export interface Reply {
  status?: number;
  data?: unknown;
}

type Responder = Reply | ((req: RecordedRequest, n: number) => Reply | Promise<Reply>);

interface Route {
  method: string;
  url: string;
  responder: Responder;
  calls: number;
  /** Responders queued with `once`, used before `responder`. */
  queue: Responder[];
}

let routes: Route[] = [];
let requests: RecordedRequest[] = [];
let unmatched: RecordedRequest[] = [];
let routeMisses: RecordedRequest[] = [];

/** What Grafana answers before any upstream is called: a plugin proxy URL no plugin.json route matches. */
function grafanaProxyReply(req: RecordedRequest): Reply | undefined {
  const path = req.url.split('?')[0]!;
  if (proxiedPluginId(path) !== pluginJson.id) {
    return undefined;
  }
  const decision = handleRequest(pluginJson.routes as PluginRoute[], req.method, extractProxyPath(path));
  return 'status' in decision ? { status: decision.status, data: decision.body } : undefined;
}

function findRoute(method: string, url: string) {
  const path = url.split('?')[0];
  return routes.find((r) => r.method === method && r.url === path);
}

function handle(options: BackendSrvRequest): Observable<FetchResponse> {
  return new Observable((subscriber) => {
    const req: RecordedRequest = {
      method: (options.method ?? 'GET').toUpperCase(),
      url: options.url,
      data: options.data,
    };
    requests.push(req);
    const refused = grafanaProxyReply(req);
    if (refused) {
      routeMisses.push(req);
      subscriber.error({ status: refused.status, statusText: 'Not Found', data: refused.data, config: options });
      return;
    }
    const route = findRoute(req.method, req.url);
    if (!route) {
      unmatched.push(req);
      subscriber.error({
        status: 599,
        statusText: 'no fake route',
        data: { message: `no fake route for ${req.method} ${req.url}` },
        config: options,
      });
      return;
    }
    const n = route.calls++;
    const responder = route.queue.shift() ?? route.responder;
    Promise.resolve(typeof responder === 'function' ? responder(req, n) : responder).then((reply) => {
      const status = reply.status ?? 200;
      if (status >= 400) {
        subscriber.error({ status, statusText: String(status), data: reply.data ?? '', config: options });
      } else {
        subscriber.next({ status, ok: true, data: reply.data, config: options } as FetchResponse);
        subscriber.complete();
      }
    });
  });
}

export const backend = {
  /** Answers `method url` (path without query) with `reply` from now on. */
  on(method: string, url: string, responder: Responder) {
    const existing = findRoute(method, url);
    if (existing) {
      existing.responder = responder;
    } else {
      routes.push({ method, url, responder, calls: 0, queue: [] });
    }
    return backend;
  },
  /** Answers the next call of `method url` with `reply`, then falls back to the `on` reply. */
  once(method: string, url: string, responder: Responder) {
    let route = findRoute(method, url);
    if (!route) {
      route = { method, url, responder: { status: 599, data: 'no default reply' }, calls: 0, queue: [] };
      routes.push(route);
    }
    route.queue.push(responder);
    return backend;
  },
  requests: () => requests,
  requestsTo: (method: string, url: string) =>
    requests.filter((r) => r.method === method && r.url.split('?')[0] === url),
  unmatched: () => unmatched,
  /** Calls Grafana's route matching refused (none, unless a test expects it). */
  routeMisses: () => routeMisses,
};

export function installBackend() {
  setBackendSrv({ fetch: handle } as unknown as BackendSrv);
  return backend;
}

export function resetBackend() {
  const leftover = unmatched;
  const misses = routeMisses;
  routes = [];
  requests = [];
  unmatched = [];
  routeMisses = [];
  if (misses.length > 0) {
    throw new Error(
      `requests that match no route of plugin.json (Grafana answers 404 "plugin route match not found"): ${misses.map((r) => `${r.method} ${r.url}`).join(', ')}`
    );
  }
  if (leftover.length > 0) {
    throw new Error(`requests without a fake route: ${leftover.map((r) => `${r.method} ${r.url}`).join(', ')}`);
  }
}

export const PROMETHEUS_DS = {
  uid: 'prom-uid',
  name: 'Prometheus',
  type: 'prometheus',
  meta: { id: 'prometheus', info: { logos: { small: '' } }, metrics: true },
} as unknown as DataSourceInstanceSettings;

/** Data sources for DataSourcePicker; `getInstanceSettings(null)` returns the default like Grafana does. */
export function installDataSources(list: DataSourceInstanceSettings[] = [PROMETHEUS_DS]) {
  const find = (ref: unknown) => {
    if (ref === null || ref === undefined) {
      return list[0];
    }
    const uid = typeof ref === 'string' ? ref : (ref as { uid?: string }).uid;
    return list.find((d) => d.uid === uid || d.name === uid);
  };
  setDataSourceSrv({
    getList: () => list,
    getInstanceSettings: find,
    get: async (ref: unknown) => find(ref),
    reload: async () => undefined,
    registerRuntimeDataSource: () => undefined,
  } as unknown as DataSourceSrv);
}

/** A `/api/ds/query` frame for one instant sample. */
export function frame(value: number, labels: Record<string, string> = {}) {
  return {
    schema: {
      fields: [
        { name: 'Time', type: 'time' },
        { name: 'Value', type: 'number', labels },
      ],
    },
    data: { values: [[1_700_000_000_000], [value]] },
  };
}
