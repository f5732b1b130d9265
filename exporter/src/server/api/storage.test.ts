// A full disk under the state directory: a real 64 KiB tmpfs (root only; CI runs as root). Admin API
// changes that do not fit are answered 507 in the API's error shape and change nothing; every change
// answered 2xx is in the store after a restart; every failed state write (credential store and
// ledger) is counted in nexus_exporter_state_write_errors_total.
import assert from 'node:assert/strict';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { silentLogger } from '../../log.js';
import { OpenAISimulator } from '../../simulators/openai.js';
import { CredentialStore } from '../../store/credentials.js';
import { harness, smallTmpfs } from '../../testing/harness.js';
import { startApi } from './testing.js';

const keyOf = (i: number) => `sk-admin-disk-${String(i).padStart(4, '0')}-${'0123456789abcdef'.repeat(4)}`;

async function writeErrors(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const m = /^nexus_exporter_state_write_errors_total (\d+)$/m.exec(text);
  assert.ok(m, 'the counter is exported');
  return Number(m[1]);
}

describe('a full state directory', () => {
  it('answers 507 to admin changes that do not fit and keeps every acknowledged one', async (t) => {
    const disk = await smallTmpfs(64);
    if ('skip' in disk) return t.skip(disk.skip);
    t.after(() => disk.remove());
    const stateDir = join(disk.path, 'api');
    const api = await startApi({ stateDir });
    const acked = new Map<string, string>();
    let refused = 0;
    try {
      assert.equal(await writeErrors(api.url), 0, 'the counter exists at zero');
      for (let i = 0; i < 300 && refused < 3; i++) {
        const r = await api.call('PUT', `/api/v1/providers/openai/accounts/acct-${i}`, {
          body: { adminKey: keyOf(i), baseUrl: 'http://127.0.0.1:9/v1', enabled: false },
        });
        if (r.status === 201) {
          assert.equal(refused, 0, 'nothing is acknowledged once the disk is full');
          acked.set(`acct-${i}`, keyOf(i));
          continue;
        }
        assert.equal(r.status, 507, r.text);
        assert.deepEqual(Object.keys(r.json), ['error']);
        assert.equal(r.json.error.code, 'INSUFFICIENT_STORAGE');
        assert.match(r.json.error.message, /ENOSPC/);
        assert.equal(
          (await api.call('GET', `/api/v1/providers/openai/accounts/acct-${i}`)).status,
          404,
          'the refused account was not created'
        );
        refused++;
      }
      assert.ok(acked.size > 10 && refused === 3, `${acked.size} acknowledged, ${refused} refused`);
      assert.equal(await writeErrors(api.url), 3, 'each failed write is counted');
      // A DELETE that cannot be written is refused too, and the account stays.
      const [first] = acked.keys();
      await writeFile(join(disk.path, 'filler'), Buffer.alloc(64 * 1024)).catch(() => undefined);
      const del = await api.call('DELETE', `/api/v1/providers/openai/accounts/${first}`);
      assert.equal(del.status, 507, del.text);
      assert.equal((await api.call('GET', `/api/v1/providers/openai/accounts/${first}`)).status, 200);
      assert.equal(await writeErrors(api.url), 4);
      await rm(join(disk.path, 'filler'));
    } finally {
      await api.close();
    }
    assert.deepEqual((await readdir(stateDir)).sort(), ['credentials.json'], 'no temp file is left behind');
    const store = await CredentialStore.open({ stateDir, log: silentLogger, masterKey: api.masterKey });
    const stored = new Map(store.snapshot().accounts.map((a) => [a.account, a.fields.adminKey]));
    assert.deepEqual(stored, acked, 'the store decrypts and holds exactly the acknowledged accounts');
  });

  it('counts a checkpoint that cannot be written and keeps the previous one', async (t) => {
    const disk = await smallTmpfs(1024);
    if ('skip' in disk) return t.skip(disk.skip);
    t.after(() => disk.remove());
    const ADMIN = 'sk-admin-disk-ledger-5a6b7c8d9e0f1a2b';
    const sim = new OpenAISimulator({ adminKey: ADMIN });
    const baseUrl = `${await sim.start()}/v1`;
    const stateDir = join(disk.path, 'ledger-test');
    try {
      const h = await harness(
        'openai',
        { account: 'prod', adminKey: ADMIN, baseUrl, usageEndpoints: ['completions'] },
        { stateDir }
      );
      assert.equal(await h.poller.pollNow(), true);
      const path = join(stateDir, 'ledger', 'openai-prod.json');
      const saved = await readFile(path, 'utf8');
      // Fill the disk: every poll saves its checkpoint.
      await writeFile(join(disk.path, 'filler'), Buffer.alloc(1024 * 1024)).catch(() => undefined);
      assert.equal(await h.poller.pollNow(), true, 'the poll itself succeeds');
      assert.equal(h.value('nexus_exporter_state_write_errors_total'), 1);
      assert.equal(await readFile(path, 'utf8'), saved, 'the previous checkpoint is whole');
      assert.deepEqual(await readdir(join(stateDir, 'ledger')), ['openai-prod.json']);
      await rm(join(disk.path, 'filler'));
      assert.equal(await h.poller.pollNow(), true);
      assert.equal(h.value('nexus_exporter_state_write_errors_total'), 1, 'a write that fits is not counted');
      JSON.parse(await readFile(path, 'utf8'));
    } finally {
      await sim.stop();
      await rm(stateDir, { recursive: true, force: true });
    }
  });
});
