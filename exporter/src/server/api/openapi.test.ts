// The OpenAPI document against the router: every route the router serves is described and every
// described operation is served; real answers (successes and each error status) validate against the
// schema the document gives for their status; request bodies the API accepts validate against it too.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { OpenAISimulator } from '../../simulators/openai.js';
import { adminApi } from './index.js';
import { checkSchema, startApi, type ApiFixture, type CallOptions } from './testing.js';

const KEY = 'sk-admin-openapi-test-6a7b8c9d0e1f2a3b';
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function resolve(doc: Doc, node: Doc): Doc {
  return node.$ref
    ? resolve(
        doc,
        (node.$ref as string)
          .replace(/^#\//, '')
          .split('/')
          .reduce<Doc>((o, k) => o[k], doc)
      )
    : node;
}

describe('OpenAPI description', () => {
  let api: ApiFixture;
  let sim: OpenAISimulator;
  let doc: Doc;
  before(async () => {
    sim = new OpenAISimulator({ adminKey: KEY });
    await sim.start();
    api = await startApi({
      config: {
        admin: { token: 'test-admin-token-5f1e7c9a2b4d6e80', authFailuresPerMinute: 2 },
        providers: {
          openai: [{ account: 'from-file', adminKey: `${KEY}-file`, baseUrl: 'http://127.0.0.1:9/v1', enabled: false }],
        },
      },
    });
    const r = await api.call('GET', '/api/v1/openapi.json');
    assert.equal(r.status, 200);
    doc = r.json;
  });
  after(async () => {
    await api.remove();
    await sim.stop();
  });

  it('is OpenAPI 3.1 with resolvable references', () => {
    assert.equal(doc.openapi, '3.1.0');
    assert.deepEqual(doc.servers, [{ url: '/api/v1' }]);
    const refs = JSON.stringify(doc).match(/"\$ref":"[^"]+"/g) ?? [];
    assert.ok(refs.length > 10, 'refs.length > 10');
    for (const ref of refs) assert.ok(resolve(doc, { $ref: JSON.parse(`{${ref}}`).$ref }), ref);
  });

  it('describes exactly the routes the router serves', () => {
    const router = adminApi(api.running.exporter) as unknown as {
      stack: Array<{ route?: { path: string; methods: Record<string, boolean> } }>;
    };
    const served = new Set<string>();
    for (const layer of router.stack) {
      if (!layer.route) continue;
      const path = layer.route.path.replace(/:(\w+)/g, '{$1}');
      for (const [m, on] of Object.entries(layer.route.methods))
        if (on && m !== '_all') served.add(`${m.toUpperCase()} ${path}`);
    }
    const described = new Set<string>();
    for (const [path, item] of Object.entries(doc.paths as Doc)) {
      for (const m of Object.keys(item)) if (METHODS.includes(m)) described.add(`${m.toUpperCase()} ${path}`);
    }
    assert.ok(served.size >= 8, `found ${served.size} routes`);
    assert.deepEqual([...served].sort(), [...described].sort());
  });

  it('gives answers that validate against the documented response of their status', async () => {
    const acct = '/providers/{provider}/accounts/{account}';
    const cases: Array<[method: string, template: string, path: string, opts?: CallOptions]> = [
      ['GET', '/providers', '/providers'],
      [
        'PUT',
        acct,
        '/providers/openai/accounts/doc',
        { body: { adminKey: KEY, baseUrl: `${sim.baseUrl}/v1`, enabled: false } },
      ],
      ['PUT', acct, '/providers/openai/accounts/doc', { body: { pollIntervalSeconds: 900 } }],
      ['PUT', acct, '/providers/openai/accounts/doc', { body: { pollIntervalSeconds: 1, bogus: true } }],
      ['PUT', acct, '/providers/openai/accounts/from-file', { body: { enabled: true } }],
      ['PUT', acct, '/providers/openai/accounts/doc', { raw: 'x', headers: { 'content-type': 'text/plain' } }],
      ['PUT', acct, '/providers/openai/accounts/doc', { body: { adminKey: 'x'.repeat(40_000) } }],
      ['PUT', acct, '/providers/nope/accounts/doc', { body: {} }],
      ['GET', acct, '/providers/openai/accounts/doc'],
      ['GET', acct, '/providers/openai/accounts/from-file'],
      ['GET', acct, '/providers/openai/accounts/missing'],
      ['GET', acct, '/providers/openai/accounts/-bad-'],
      ['POST', `${acct}/test`, '/providers/openai/accounts/doc/test'],
      ['POST', `${acct}/test`, '/providers/openai/accounts/doc/test', { body: { adminKey: `${KEY}-wrong` } }],
      ['POST', `${acct}/test`, '/providers/openai/accounts/missing/test'],
      ['GET', '/budgets', '/budgets'],
      [
        'PUT',
        '/budgets',
        '/budgets',
        { body: { budgets: [{ provider: 'openai', account: 'doc', period: 'month', amountUsd: 10 }] } },
      ],
      [
        'PUT',
        '/budgets',
        '/budgets',
        { body: { budgets: [{ provider: 'openai', account: 'doc', period: 'year', amountUsd: 10 }] } },
      ],
      ['GET', '/openapi.json', '/openapi.json'],
      ['DELETE', acct, '/providers/openai/accounts/from-file'],
      ['DELETE', acct, '/providers/openai/accounts/doc'],
      ['DELETE', acct, '/providers/openai/accounts/doc'],
      // Last: two wrong tokens reach this fixture's limit, then 429.
      ['GET', '/providers', '/providers', { token: 'wrong-token-0123456789abcdef' }],
      ['GET', '/budgets', '/budgets', { token: 'wrong-token-0123456789abcdef' }],
      ['GET', '/providers', '/providers'],
    ];
    const seen = new Map<string, Set<number>>();
    for (const [method, template, path, opts] of cases) {
      const r = await api.call(method, `/api/v1${path}`, opts);
      const what = `${method} ${path} → ${r.status}`;
      const op = doc.paths[template]?.[method.toLowerCase()];
      assert.ok(op, `${method} ${template} is not described`);
      const documented = op.responses[String(r.status)];
      assert.ok(documented, `${what}: status not documented (${r.text})`);
      const response = resolve(doc, documented);
      const schema = response.content?.['application/json']?.schema;
      if (schema) assert.deepEqual(checkSchema(r.json, schema, doc), [], `${what}: ${r.text}`);
      else assert.equal(r.text, '', `${what}: no body is documented`);
      if (r.status === 429)
        assert.ok(
          response.headers?.['Retry-After'] && r.headers.get('retry-after'),
          "response.headers?.['Retry-After'] && r.headers.get('retry-after')"
        );
      const key = `${method} ${template}`;
      if (!seen.has(key)) seen.set(key, new Set());
      seen.get(key)!.add(r.status);
    }
    const statuses = new Set([...seen.values()].flatMap((s) => [...s]));
    for (const s of [200, 201, 204, 400, 401, 404, 409, 413, 415, 429])
      assert.ok(statuses.has(s), `no case produced ${s}`);
    for (const [path, item] of Object.entries(doc.paths as Doc)) {
      for (const m of Object.keys(item).filter((k) => METHODS.includes(k))) {
        const codes = [...(seen.get(`${m.toUpperCase()} ${path}`) ?? [])];
        assert.ok(
          codes.some((c) => c < 300),
          `${m.toUpperCase()} ${path}: no success answer was validated`
        );
      }
    }
  });

  it('describes request bodies the API accepts, and not ones it rejects', () => {
    const putBody = resolve(doc, doc.paths['/providers/{provider}/accounts/{account}'].put.requestBody).content[
      'application/json'
    ].schema;
    assert.deepEqual(
      checkSchema(
        { adminKey: KEY, baseUrl: 'https://api.openai.com/v1', pollIntervalSeconds: 60, lookbackDays: null },
        putBody,
        doc
      ),
      []
    );
    assert.deepEqual(checkSchema({}, putBody, doc), [], 'every field is optional (merge)');
    assert.notDeepEqual(
      checkSchema({ colour: 'red' }, putBody, doc),
      [],
      'unknown fields are not described as allowed'
    );
    assert.notDeepEqual(checkSchema({ pollIntervalSeconds: 'soon' }, putBody, doc), []);
    const budgets = resolve(doc, doc.paths['/budgets'].put.requestBody).content['application/json'].schema;
    assert.deepEqual(
      checkSchema({ budgets: [{ provider: 'openai', account: 'a', period: 'day', amountUsd: 1 }] }, budgets, doc),
      []
    );
    assert.notDeepEqual(
      checkSchema({ budgets: [{ provider: 'openai', account: 'a', period: 'day', amountUsd: 0 }] }, budgets, doc),
      []
    );
  });
});
