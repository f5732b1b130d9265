// The ports of Grafana's plugin proxy route matching, templating and request rewriting, checked with
// the cases of Grafana's own tests (grafana/grafana pkg/web/tree_test.go, pkg/api/pluginproxy/
// pluginproxy_test.go TestPluginProxyRoutes and TestPluginProxy, utils_test.go TestInterpolateString),
// then with the cases this app depends on.
import {
  directRequest,
  extractProxyPath,
  handleRequest,
  joinURLFragments,
  upstreamErrorStatus,
  type PluginRoute,
} from './pluginProxy';
import { goFloat, interpolateString } from './template';
import { matchTest, Tree } from './tree';

describe('web.Tree (tree_test.go)', () => {
  test('TestTreeMatchesProjectIDEnvelopeRoute', () => {
    const tree = new Tree<string>();
    tree.add('/api/:projectID/envelope/', 'handle');
    const m = tree.match('/api/1/envelope/');
    expect(m.ok).toBe(true);
    expect(m.handle).toBe('handle');
    expect(m.params[':projectID']).toBe('1');
  });

  test.each([
    ['exporter/*', 'exporter/api/v1/providers', true],
    ['exporter/*', 'exporter', false],
    ['exporter', 'exporter/api/v1/providers', false],
    ['exporter', 'exporter', true],
    ['exporter', 'exporter/', true],
    ['api/:version/users', 'api/v2/users', true],
    ['api/:id(\\d+)', 'api/abc', false],
    ['api/:id:int', 'api/42', true],
    ['files/*.*', 'files/a/b.tar.gz', true],
  ])('pattern %s, path %s → %s', (pattern, path, ok) => {
    expect(matchTest(pattern, path)).toBe(ok);
  });

  test('a trailing * gives the rest of the path, unescaped', () => {
    const t = new Tree();
    t.add('exporter/*', null);
    expect(t.match('exporter/api/v1/providers/openai/accounts/a%20b').params['*']).toBe(
      'api/v1/providers/openai/accounts/a b'
    );
    expect(t.match('exporter/bad%zzescape').ok).toBe(false);
  });
});

describe('HandleRequest (pluginproxy_test.go TestPluginProxyRoutes)', () => {
  const routes: PluginRoute[] = [
    { path: '', method: 'GET', url: 'http://localhost' },
    { path: 'some-api', method: 'GET', url: 'http://localhost/api' },
    { path: 'some-api/instances', method: 'GET', url: 'http://localhost/api/instances/' },
    { path: 'some-api/*', method: 'GET', url: 'http://localhost/api' },
    { path: 'some-api/instances/*', method: 'GET', url: 'http://localhost/api/instances' },
    { path: 'some-other-api/*', method: 'GET', url: 'http://localhost/api/v2' },
    { path: 'some-other-api/instances/*', method: 'GET', url: 'http://localhost/api/v2/instances' },
  ];
  const settings = { jsonData: {}, secureJsonData: {} };

  test.each([
    ['/notexists', undefined, 404],
    ['/', '/', 200],
    ['/some-api', '/api', 200],
    ['/some-api/instances', '/api/instances/', 200],
    ['/some-api/some/thing', '/api/some/thing', 200],
    ['/some-api/instances/instance-one', '/api/instances/instance-one', 200],
    ['/some-other-api/some/thing', '/api/v2/some/thing', 200],
    ['/some-other-api/instances/instance-one', '/api/v2/instances/instance-one', 200],
  ])('proxy path %s calls %s', (proxyPath, expectedURLPath, expectedStatus) => {
    const decision = handleRequest(routes, 'GET', proxyPath, 'Viewer');
    if (expectedStatus === 404) {
      expect(decision).toEqual({ status: 404, body: { message: 'plugin route match not found' } });
      return;
    }
    if ('status' in decision) {
      throw new Error(`no match for ${proxyPath}`);
    }
    const out = directRequest({
      ...decision,
      rawQuery: '',
      method: 'GET',
      headers: {},
      remoteAddr: '127.0.0.1',
      settings,
      signedInUser: {},
    });
    if (!('url' in out)) {
      throw new Error('no upstream request');
    }
    expect(new URL(out.url).pathname).toBe(expectedURLPath);
  });
});

describe('the app route (plugin.json routes[].path)', () => {
  const route = (path: string): PluginRoute => ({
    path,
    method: '*',
    url: '{{ .JsonData.exporterUrl }}',
    reqRole: 'Admin',
    headers: [{ name: 'Authorization', content: 'Bearer {{ .SecureJsonData.exporterToken }}' }],
  });
  const call = '/api/plugin-proxy/nexus-apimonitor-app/exporter/api/v1/providers/openai/accounts/main';

  test('`exporter` (no *) matches no subpath: Grafana answers 404 to every admin call', () => {
    expect(handleRequest([route('exporter')], 'PUT', extractProxyPath(call), 'Admin')).toEqual({
      status: 404,
      body: { message: 'plugin route match not found' },
    });
  });

  test('`exporter/*` forwards the subpath to the exporter with the token, query kept', () => {
    const decision = handleRequest([route('exporter/*')], 'PUT', extractProxyPath(call), 'Admin');
    expect(decision).toEqual({ route: route('exporter/*'), proxyPath: 'api/v1/providers/openai/accounts/main' });
    const out = directRequest({
      ...(decision as { route: PluginRoute; proxyPath: string }),
      rawQuery: 'x=1',
      method: 'PUT',
      headers: {
        cookie: 'grafana_session=abc',
        origin: 'http://grafana',
        referer: 'http://grafana/a/x',
        'content-type': 'application/json',
        'x-forwarded-for': '10.1.1.1',
      },
      remoteAddr: '::ffff:192.0.2.10',
      settings: { jsonData: { exporterUrl: 'http://exporter:9464' }, secureJsonData: { exporterToken: 's3cret' } },
      signedInUser: { Login: 'admin' },
    });
    expect(out).toEqual({
      url: 'http://exporter:9464/api/v1/providers/openai/accounts/main?x=1',
      body: undefined,
      headers: {
        authorization: 'Bearer s3cret',
        'content-type': 'application/json',
        'x-grafana-context': '{"Login":"admin"}',
        'x-grafana-referer': 'http://grafana/a/x',
        'x-forwarded-for': '10.1.1.1, 192.0.2.10, 192.0.2.10',
      },
    });
  });

  test('reqRole Admin: a Viewer or Editor gets 403 "plugin proxy route access denied"', () => {
    for (const role of ['Viewer', 'Editor'] as const) {
      expect(handleRequest([route('exporter/*')], 'GET', 'exporter/api/v1/providers', role)).toEqual({
        status: 403,
        body: { message: 'plugin proxy route access denied' },
      });
    }
  });

  test('method: only the route method or *; a trailing slash is kept', () => {
    const get: PluginRoute = { path: 'x/*', method: 'GET', url: 'http://u' };
    expect(handleRequest([get], 'POST', 'x/a', 'Admin')).toEqual({
      status: 404,
      body: { message: 'plugin route match not found' },
    });
    expect(handleRequest([get], 'GET', 'x/a/', 'Admin')).toEqual({ route: get, proxyPath: 'a/' });
  });

  test('an unsaved token is sent as "<no value>", as Go templates print a missing key', () => {
    const out = directRequest({
      route: route('exporter/*'),
      proxyPath: 'api/v1/providers',
      rawQuery: '',
      method: 'GET',
      headers: {},
      remoteAddr: '127.0.0.1',
      settings: { jsonData: { exporterUrl: 'http://e:1' }, secureJsonData: {} },
      signedInUser: {},
    });
    expect('url' in out && out.headers.authorization).toBe('Bearer <no value>');
  });

  test('no exporter URL: Grafana cannot reach "<no value>" (502)', () => {
    const out = directRequest({
      route: route('exporter/*'),
      proxyPath: 'api/v1/providers',
      rawQuery: '',
      method: 'GET',
      headers: {},
      remoteAddr: '127.0.0.1',
      settings: { jsonData: {}, secureJsonData: {} },
      signedInUser: {},
    });
    expect(out).toEqual({ failUpstream: true });
  });

  test('upstream failures: a timeout is 504, anything else 502, a client that left 499', () => {
    expect(upstreamErrorStatus({ code: 'ECONNREFUSED' }, false)).toBe(502);
    expect(upstreamErrorStatus({ code: 'ETIMEDOUT' }, false)).toBe(504);
    expect(upstreamErrorStatus({ code: 'ECONNRESET' }, true)).toBe(499);
  });

  test('util.JoinURLFragments', () => {
    expect(joinURLFragments('http://localhost:8080', '')).toBe('http://localhost:8080');
    expect(joinURLFragments('/api/', '/v1')).toBe('/api/v1');
    expect(joinURLFragments('/api', 'v1')).toBe('/api/v1');
    expect(joinURLFragments('/api/', 'v1')).toBe('/api/v1');
  });
});

describe('interpolateString (utils_test.go, pluginproxy_test.go)', () => {
  const data = (jsonData: Record<string, unknown> = {}, secureJsonData: Record<string, string> = {}) => ({
    JsonData: jsonData,
    SecureJsonData: secureJsonData,
  });

  test('TestInterpolateString', () => {
    expect(interpolateString('{{.SecureJsonData.Test}}', data({}, { Test: '0asd+asd' }))).toBe('0asd+asd');
  });

  test('When getting proxy headers', () => {
    expect(interpolateString('my secret {{.SecureJsonData.key}}', data({}, { key: '123' }))).toBe('my secret 123');
  });

  test('When getting templated url', () => {
    expect(interpolateString('{{.JsonData.dynamicUrl}}', data({ dynamicUrl: 'https://dynamic.grafana.com' }))).toBe(
      'https://dynamic.grafana.com'
    );
  });

  test('When getting complex templated url', () => {
    const t = '{{if .JsonData.apiHost}}{{.JsonData.apiHost}}{{else}}https://example.com{{end}}';
    expect(interpolateString(t, data())).toBe('https://example.com');
    expect(interpolateString(t, data({ apiHost: 'https://h' }))).toBe('https://h');
  });

  test('When getting templated body', () => {
    expect(
      interpolateString(
        '{ "url": "{{.JsonData.dynamicUrl}}", "secret": "{{.SecureJsonData.key}}"\t}',
        data({ dynamicUrl: 'https://dynamic.grafana.com' }, { key: '123' })
      )
    ).toBe('{ "url": "https://dynamic.grafana.com", "secret": "123"\t}');
  });

  test('Go semantics: spaces and trim markers, missing keys, orEmpty, float64 printing, errors', () => {
    expect(interpolateString('Bearer {{ .SecureJsonData.exporterToken }}', data())).toBe('Bearer <no value>');
    expect(interpolateString('{{ .JsonData.x | orEmpty }}|{{ orEmpty .JsonData.y }}', data())).toBe('|');
    expect(interpolateString('a  {{- .JsonData.v -}}  b', data({ v: 'x' }))).toBe('axb');
    expect(
      interpolateString('{{.JsonData.n}} {{.JsonData.m}} {{.JsonData.b}}', data({ n: 1000000, m: 123456.5, b: true }))
    ).toBe('1e+06 123456.5 true');
    expect(goFloat(0.00001)).toBe('1e-05');
    expect(goFloat(0.0001)).toBe('0.0001');
    expect(() => interpolateString('{{ .JsonData.x', data())).toThrow('could not parse template');
    expect(() => interpolateString('{{ range .JsonData.x }}{{ end }}', data())).toThrow('could not parse template');
    expect(() => interpolateString('{{ .Nope }}', data())).toThrow('failed to execute template');
    expect(() => interpolateString('{{ .JsonData.missing.deeper }}', data())).toThrow('failed to execute template');
  });
});
