// Per-source state in the admin API, against the Exa simulator (one source per key): a key whose usage
// cannot be read makes the poll partial, that source says why (redacted) and the others stay up; the
// key sources carry the key's id and name; the answers validate against the OpenAPI document; and the
// account recovers to `success` once the key can be read again.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ExaSimulator } from '../../simulators/exa.js';
import { checkSchema, startApi, waitFor, type ApiFixture } from './testing.js';

const SERVICE_KEY = 'exa-sources-test-service-7f3a9c1e5b2d4f60';
const PROD = {
  id: '3c90c3cc-0d44-4b50-8888-8dd25736052a',
  name: 'Production',
  secret: 'exa-sources-prod-0000000000000000',
};
const STAGING = {
  id: '7a1e5f20-9b3d-4c6e-a2f8-1d4b6c8e0f13',
  name: 'Staging',
  secret: 'exa-sources-staging-00000000000000',
};
const ACCOUNT = '/api/v1/providers/exa/accounts/team';

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('per-source state in the admin API', () => {
  let sim: ExaSimulator;
  let api: ApiFixture;
  let doc: Json;
  const texts: string[] = [];
  const get = async (path = ACCOUNT) => {
    const r = await api.call('GET', path);
    assert.equal(r.status, 200, r.text);
    texts.push(r.text);
    return r.json;
  };
  const source = (status: Json, name: string) => status.sources.find((s: Json) => s.source === name);
  const valid = (status: Json) => assert.deepEqual(checkSchema(status, doc.components.schemas.AccountStatus, doc), []);

  before(async () => {
    sim = new ExaSimulator({ serviceKey: SERVICE_KEY, keys: [{ ...PROD }, { ...STAGING }] });
    await sim.start();
    api = await startApi();
    doc = (await api.call('GET', '/api/v1/openapi.json')).json;
  });
  after(async () => {
    await api.remove();
    await sim.stop();
  });

  it('has no sources and no poll result before the first poll', async () => {
    const created = await api.call('PUT', ACCOUNT, {
      body: {
        serviceKey: SERVICE_KEY,
        baseUrl: sim.baseUrl,
        adminBaseUrl: `${sim.baseUrl}/team-management`,
        enabled: false,
      },
    });
    assert.equal(created.status, 201, created.text);
    assert.deepEqual([created.json.sources, created.json.lastPollResult, created.json.lastRead], [[], null, null]);
    valid(created.json);
  });

  it('a key that cannot be read makes the poll partial: that source says why, the others are up', async () => {
    // Every read of the staging key's usage fails, with the service key in the provider's message.
    sim.inject(
      { kind: 'status', status: 500, message: `internal error for ${SERVICE_KEY}` },
      { path: `/api-keys/${STAGING.id}/usage`, times: 1000 }
    );
    assert.equal((await api.call('PUT', ACCOUNT, { body: { enabled: true, pollIntervalSeconds: 3600 } })).status, 200);
    const status = await waitFor(async () => {
      const s = await get();
      return s.lastPollResult ? s : undefined;
    }, 'the first poll');

    assert.equal(status.lastPollResult, 'partial');
    assert.equal(status.up, false, 'nexus_provider_up is 1 only when every source was read');
    assert.equal(status.lastSuccess, null);
    assert.ok(Date.parse(status.lastRead) > 0, 'some sources were read');
    assert.deepEqual(
      status.sources.map((s: Json) => [s.source, s.up]),
      [
        ['exa.keys', true],
        [`exa.usage:${PROD.id}`, true],
        [`exa.usage:${STAGING.id}`, false],
      ]
    );
    assert.deepEqual(source(status, 'exa.keys'), {
      source: 'exa.keys',
      up: true,
      lastRead: source(status, 'exa.keys').lastRead,
      lastError: null,
      project: null,
      name: null,
    });
    const prod = source(status, `exa.usage:${PROD.id}`);
    assert.deepEqual([prod.project, prod.name, prod.lastError], [PROD.id, 'Production', null]);
    assert.ok(Date.parse(prod.lastRead) > 0, 'Date.parse(prod.lastRead) > 0');
    const staging = source(status, `exa.usage:${STAGING.id}`);
    assert.deepEqual(
      [staging.project, staging.name, staging.lastRead],
      [STAGING.id, 'Staging', null],
      'a failing key still has its name'
    );
    assert.equal(staging.lastError.reason, 'server');
    assert.match(staging.lastError.message, /500: internal error for /, "the provider's message comes through");
    assert.ok(!staging.lastError.message.includes(SERVICE_KEY), staging.lastError.message);
    valid(status);

    // The list answers the same state.
    const listed = (await get('/api/v1/providers')).providers.find((p: Json) => p.provider === 'exa').accounts[0];
    assert.deepEqual(listed.sources, status.sources);
    assert.equal(listed.lastPollResult, 'partial');
    const metrics = (await api.call('GET', '/metrics', { token: null })).text;
    assert.match(
      metrics,
      new RegExp(`nexus_provider_source_up\\{provider="exa",account="team",source="exa.usage:${STAGING.id}"\\} 0`)
    );
    assert.match(metrics, /nexus_provider_polls_total\{provider="exa",account="team",result="partial"\} 1/);
  });

  it('recovers: every source up, the source error cleared, the account success', async () => {
    sim.clearFaults();
    assert.equal(await api.running.exporter.pollers.get('exa/team')!.pollNow(), true);
    const status = await get();
    assert.deepEqual([status.lastPollResult, status.up], ['success', true]);
    assert.ok(
      status.sources.every((s: Json) => s.up && s.lastError === null && s.lastRead),
      JSON.stringify(status.sources)
    );
    assert.equal(source(status, `exa.usage:${STAGING.id}`).name, 'Staging');
    assert.equal(status.lastError.reason, 'server', 'the account keeps its last error');
    assert.ok(
      Date.parse(status.lastSuccess) >= Date.parse(status.lastError.at),
      'Date.parse(status.lastSuccess) >= Date.parse(status.lastError.at)'
    );
    valid(status);
  });

  it('drops the source of a deleted key', async () => {
    sim.deleteKey(STAGING.id);
    assert.equal(await api.running.exporter.pollers.get('exa/team')!.pollNow(), true);
    const status = await get();
    assert.deepEqual(
      status.sources.map((s: Json) => s.source),
      ['exa.keys', `exa.usage:${PROD.id}`]
    );
  });

  it('never shows the service key', () => {
    assert.ok(texts.length >= 4, 'texts.length >= 4');
    for (const t of texts) assert.ok(!t.includes(SERVICE_KEY), '!t.includes(SERVICE_KEY)');
  });
});
