// Grafana's app plugin proxy (`/api/plugin-proxy/<pluginId>/<path>`), ported from grafana/grafana
// (stored copies read 2026-11-29; the store does not record the commit of its newest copies):
//   pkg/api/plugin_proxy.go             extractProxyPath: the path after `/api/plugin-proxy/<id>/`
//   pkg/api/pluginproxy/pluginproxy.go  HandleRequest: the first route whose method fits and whose path
//                                       matches in a web.Tree (tree.ts) wins; no match → 404 "plugin route
//                                       match not found"; then reqRole (reqAction is RBAC) → 403 "plugin
//                                       proxy route access denied"; the `*` param becomes the forwarded
//                                       path (a trailing slash kept: pluginProxyPreserveTrailingSlash is GA),
//                                       a route without `*` forwards no subpath at all.
//                                       director: url and headers templated (template.ts), the path joined
//                                       with util.JoinURLFragments, Cookie and Set-Cookie removed,
//                                       X-Grafana-Context added.
//   pkg/util/proxyutil/proxyutil.go     PrepareProxyRequest: Origin/Referer/X-Forwarded-Host|Port|Proto
//                                       removed, X-Forwarded-For appended with the client address.
//   pkg/util/proxyutil/reverse_proxy.go errors: upstream timeout → 504, any other failure → 502, both with
//                                       an empty body; responses lose Set-Cookie and get CSP "sandbox".
// Go's net/http/httputil.ReverseProxy then drops hop-by-hop headers and appends the client address to
// X-Forwarded-For a second time (it runs after the director), which is what Grafana sends upstream.
import { pathUnescape, Tree } from './tree';
import { interpolateString, TemplateError, type TemplateData } from './template';

export type OrgRole = 'Viewer' | 'Editor' | 'Admin';

export interface PluginRoute {
  path: string;
  method?: string;
  url?: string;
  reqRole?: string;
  reqAction?: string;
  headers?: Array<{ name: string; content: string }>;
  body?: unknown;
}

export interface ApiErrorReply {
  status: number;
  body: { message: string };
}

export const ROUTE_NOT_FOUND: ApiErrorReply = { status: 404, body: { message: 'plugin route match not found' } };
export const ROUTE_ACCESS_DENIED: ApiErrorReply = {
  status: 403,
  body: { message: 'plugin proxy route access denied' },
};

const PLUGIN_PROXY_PATH = /^\/api\/plugin-proxy\/([\w-]+)\/?/;

/** The plugin id of a `/api/plugin-proxy/<id>/...` path, else undefined. */
export function proxiedPluginId(escapedPath: string): string | undefined {
  return PLUGIN_PROXY_PATH.exec(escapedPath)?.[1];
}

/** extractProxyPath: what follows `/api/plugin-proxy/<id>/` in the escaped request path. */
export function extractProxyPath(escapedPath: string): string {
  return escapedPath.replace(PLUGIN_PROXY_PATH, '');
}

const ROLE_RANK: Record<string, number> = { None: 0, Viewer: 1, Editor: 2, Admin: 3 };

/** org.RoleType.Includes: Admin includes Editor includes Viewer. */
export function roleIncludes(userRole: OrgRole, required: string): boolean {
  return (ROLE_RANK[userRole] ?? -1) >= (ROLE_RANK[required] ?? Infinity);
}

export type RouteDecision = ApiErrorReply | { route: PluginRoute; proxyPath: string };

/** HandleRequest's route selection and access check. `userRole` undefined skips the access check. */
export function handleRequest(
  routes: readonly PluginRoute[],
  method: string,
  proxyPath: string,
  userRole?: OrgRole
): RouteDecision {
  for (const route of routes) {
    if (route.method && route.method !== '*' && route.method !== method) {
      continue;
    }
    const t = new Tree();
    t.add(route.path, null);
    const { params, ok } = t.match(proxyPath);
    if (!ok) {
      continue;
    }
    if (userRole !== undefined && !hasAccessToRoute(route, userRole)) {
      return ROUTE_ACCESS_DENIED;
    }
    let forwarded = '';
    if ('*' in params) {
      const hasSlash = proxyPath.endsWith('/');
      forwarded = params['*']!;
      if (hasSlash && !forwarded.endsWith('/')) {
        forwarded += '/';
      }
    }
    return { route, proxyPath: forwarded };
  }
  return ROUTE_NOT_FOUND;
}

function hasAccessToRoute(route: PluginRoute, userRole: OrgRole): boolean {
  if (route.reqAction) {
    // RBAC: Grafana evaluates the action against the user's permissions. The host has no RBAC; the
    // basic roles grant plugin actions to Admins, so that is what it checks.
    return userRole === 'Admin';
  }
  if (route.reqRole && route.reqRole in ROLE_RANK) {
    return roleIncludes(userRole, route.reqRole);
  }
  return true;
}

/** util.JoinURLFragments. */
export function joinURLFragments(a: string, b: string): string {
  const aslash = a.endsWith('/');
  const bslash = b.startsWith('/');
  if (b.length === 0) {
    return a;
  }
  if (aslash && bslash) {
    return a + b.slice(1);
  }
  if (!aslash && !bslash) {
    return `${a}/${b}`;
  }
  return a + b;
}

/** url.URL.EscapedPath for a Path set by the director: Go escapes all but unreserved and $&+,/:;=@. */
export function goEscapePath(path: string): string {
  return Array.from(new TextEncoder().encode(path), (b) => {
    const c = String.fromCharCode(b);
    return /[A-Za-z0-9\-_.~$&+,/:;=@]/.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }).join('');
}

/** The scheme, host and path Go's url.Parse finds in an interpolated route URL. */
function parseTarget(raw: string): { origin: string; path: string } | 'unparseable' | 'no-scheme' {
  // url.Parse fails on control characters and on a `%` that is not an escape.
  if (/[\x00-\x1f\x7f]/.test(raw) || /%(?![0-9a-fA-F]{2})/.test(raw)) {
    return 'unparseable';
  }
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/([^/?#]*)([^?#]*)/.exec(raw);
  if (!m) {
    // Parsed as a relative reference: no scheme or host, so the request fails upstream (502).
    return 'no-scheme';
  }
  const userinfoless = m[2]!.replace(/^.*@/, ''); // the route URL's user info is not used
  return { origin: `${m[1]!.toLowerCase()}://${userinfoless}`, path: pathUnescape(m[3]!) ?? m[3]! };
}

export interface ProxyRequestInput {
  route: PluginRoute;
  /** The forwarded path from handleRequest. */
  proxyPath: string;
  /** The incoming query string without `?`. */
  rawQuery: string;
  method: string;
  /** Incoming headers, lower-case names. */
  headers: Record<string, string | string[] | undefined>;
  remoteAddr: string;
  settings: { jsonData: Record<string, unknown>; secureJsonData: Record<string, string> };
  /** What Grafana serialises into X-Grafana-Context. */
  signedInUser: Record<string, unknown>;
}

export type ProxyRequest =
  { url: string; headers: Record<string, string>; body?: string } | { failUpstream: true } | ApiErrorReply;

const HOP_BY_HOP = [
  'connection',
  'proxy-connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
];

function clientIp(remoteAddr: string): string {
  // net.SplitHostPort; node gives the address alone, IPv4-mapped IPv6 as ::ffff:a.b.c.d.
  return remoteAddr.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
}

/** The director, PrepareProxyRequest and ReverseProxy's own request rewriting. */
export function directRequest(input: ProxyRequestInput): ProxyRequest {
  const { route } = input;
  const data: TemplateData = {
    URL: route.url ?? '',
    JsonData: input.settings.jsonData,
    SecureJsonData: input.settings.secureJsonData,
  };
  let interpolated: string;
  try {
    interpolated = interpolateString(route.url ?? '', data);
  } catch (e) {
    if (e instanceof TemplateError) {
      return { status: 500, body: { message: 'Could not interpolate plugin route url' } };
    }
    throw e;
  }
  const target = parseTarget(interpolated);
  if (target === 'unparseable') {
    return { status: 500, body: { message: 'Could not parse url' } };
  }

  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(input.headers)) {
    if (value !== undefined) {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
    }
  }
  delete headers.cookie;
  delete headers['set-cookie'];
  headers['x-grafana-context'] = JSON.stringify(input.signedInUser);
  delete headers['x-grafana-user']; // send_user_header is off by default
  try {
    for (const h of route.headers ?? []) {
      headers[h.name.toLowerCase()] = interpolateString(h.content, data);
    }
  } catch (e) {
    if (e instanceof TemplateError) {
      return { status: 500, body: { message: 'Failed to render plugin headers' } };
    }
    throw e;
  }
  let body: string | undefined;
  if (route.body !== undefined && route.body !== null) {
    try {
      body = interpolateString(typeof route.body === 'string' ? route.body : JSON.stringify(route.body), data);
    } catch {
      // Grafana only logs "Failed to set plugin route body content" and sends the original body.
    }
  }
  // PrepareProxyRequest
  headers['x-grafana-referer'] = headers.referer ?? '';
  delete headers.origin;
  delete headers.referer;
  delete headers['x-forwarded-host'];
  delete headers['x-forwarded-port'];
  delete headers['x-forwarded-proto'];
  const ip = clientIp(input.remoteAddr);
  headers['x-forwarded-for'] = headers['x-forwarded-for'] ? `${headers['x-forwarded-for']}, ${ip}` : ip;
  // httputil.ReverseProxy
  for (const name of (headers.connection ?? '').split(',')) {
    delete headers[name.trim().toLowerCase()];
  }
  for (const name of HOP_BY_HOP) {
    delete headers[name];
  }
  headers['x-forwarded-for'] = `${headers['x-forwarded-for']}, ${ip}`;
  delete headers.host;
  delete headers['content-length'];

  if (target === 'no-scheme') {
    return { failUpstream: true };
  }
  const path = goEscapePath(joinURLFragments(target.path, input.proxyPath)) || '/';
  const query = input.rawQuery ? `?${input.rawQuery}` : '';
  return { url: `${target.origin}${path.startsWith('/') ? path : `/${path}`}${query}`, headers, body };
}

/** reverse_proxy.go errorHandler: the status for a failed upstream call. */
export function upstreamErrorStatus(err: unknown, clientGone: boolean): number {
  if (clientGone) {
    return 499;
  }
  const code = (err as { code?: string } | undefined)?.code;
  if (code === 'ETIMEDOUT' || code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'ESOCKETTIMEDOUT') {
    return 504;
  }
  return 502;
}

/** modifyResponse: upstream response headers as Grafana passes them on. */
export function responseHeaders(
  upstream: Record<string, string | string[] | undefined>
): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(upstream)) {
    if (value !== undefined && !HOP_BY_HOP.includes(name.toLowerCase()) && name.toLowerCase() !== 'set-cookie') {
      out[name.toLowerCase()] = value;
    }
  }
  out['content-security-policy'] = 'sandbox';
  return out;
}
