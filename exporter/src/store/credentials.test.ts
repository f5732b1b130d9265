// The encrypted credential store: round trips under every key format, wrong keys and damaged files
// refused with a clear message and never rewritten, the key file's creation rules, ordering of writes.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import fc from 'fast-check';
import { silentLogger } from '../log.js';
import { tempDir } from '../testing/harness.js';
import {
  CredentialStore,
  CredentialStoreError,
  KEY_FILE,
  STORE_FILE,
  parseMasterKey,
  type StoreData,
} from './credentials.js';

delete process.env.NEXUS_MASTER_KEY;
delete process.env.NEXUS_MASTER_KEY_FILE;

const SECRET = 'sk-admin-store-test-9c1d2e3f4a5b6c7d';
const HEX_KEY = randomBytes(32).toString('hex');

let dir: { path: string; remove(): Promise<void> };
beforeEach(async () => {
  dir = await tempDir('nexus-store-');
});
afterEach(() => dir.remove());

function open(masterKey?: string, extra: { readOnly?: boolean; masterKeyFile?: string } = {}) {
  return CredentialStore.open({ stateDir: dir.path, log: silentLogger, masterKey, ...extra });
}

async function seed(masterKey = HEX_KEY): Promise<void> {
  const store = await open(masterKey);
  await store.update((d) => {
    d.accounts.push({
      provider: 'openai',
      account: 'prod',
      fields: { adminKey: SECRET, pollIntervalSeconds: 60 },
      updatedAt: '2026-01-01T00:00:00Z',
    });
    d.budgets.push({ provider: 'openai', account: 'prod', period: 'month', amountUsd: 250 });
  });
}

/** Asserts opening fails with a CredentialStoreError matching `pattern`, and the file is byte-identical afterwards. */
async function assertRefused(open: () => Promise<unknown>, pattern: RegExp): Promise<void> {
  const before = await readFile(join(dir.path, STORE_FILE));
  await assert.rejects(open, (e: unknown) => {
    assert.ok(e instanceof CredentialStoreError, `expected a CredentialStoreError, got ${String(e)}`);
    assert.match(e.message, pattern);
    assert.match(e.message, /not modified/);
    assert.ok(!e.message.includes(SECRET), '!e.message.includes(SECRET)');
    return true;
  });
  assert.deepEqual(
    await readFile(join(dir.path, STORE_FILE)),
    before,
    'a store that could not be opened is never rewritten'
  );
}

describe('credential store', () => {
  it('round-trips accounts and budgets, and keeps no plaintext on disk', async () => {
    await seed();
    const text = await readFile(join(dir.path, STORE_FILE), 'utf8');
    assert.ok(
      !text.includes(SECRET) && !text.includes('prod') && !text.includes('openai'),
      'the whole document is encrypted'
    );
    assert.equal((await stat(join(dir.path, STORE_FILE))).mode & 0o777, 0o600);
    const data = (await open(HEX_KEY)).snapshot();
    assert.equal(data.accounts[0]!.fields.adminKey, SECRET);
    assert.deepEqual(data.budgets, [{ provider: 'openai', account: 'prod', period: 'month', amountUsd: 250 }]);
  });

  it('accepts 32-byte keys as hex, base64 and base64url, and passphrases', async () => {
    const raw = randomBytes(32);
    for (const form of [
      raw.toString('hex'),
      raw.toString('hex').toUpperCase(),
      raw.toString('base64'),
      raw.toString('base64url'),
    ]) {
      const k = parseMasterKey(form, 'NEXUS_MASTER_KEY');
      assert.equal(k.kind, 'raw');
      assert.deepEqual(k.kind === 'raw' && k.key, raw);
    }
    assert.equal(parseMasterKey('correct horse battery staple', 'NEXUS_MASTER_KEY').kind, 'passphrase');
    await seed('correct horse battery staple');
    assert.equal((await open('correct horse battery staple')).snapshot().accounts.length, 1);
    await assertRefused(() => open('correct horse battery stapler'), /different master key/);
  });

  it('rejects keys that are too short or look like a truncated hex key', () => {
    assert.throws(() => parseMasterKey('short', 'NEXUS_MASTER_KEY'), /at least 16 characters/);
    assert.throws(
      () => parseMasterKey(HEX_KEY.slice(0, 63), 'NEXUS_MASTER_KEY'),
      /looks like a hex key but has 63 characters/
    );
  });

  it('refuses a wrong key with what to do, and leaves the store untouched', async () => {
    await seed();
    await assertRefused(
      () => open(randomBytes(32).toString('hex')),
      /encrypted with a different master key than NEXUS_MASTER_KEY\. Set NEXUS_MASTER_KEY to the key used before/
    );
  });

  it('refuses an existing store when no key is available, without creating a key file', async () => {
    await seed();
    await assertRefused(() => open(), /no master key is available: set NEXUS_MASTER_KEY/);
    assert.ok(!(await readdir(dir.path)).includes(KEY_FILE), 'no key is invented for a store that exists');
  });

  it('refuses a store changed in any byte of its ciphertext, tag, iv or header (property)', async () => {
    await seed();
    const original = JSON.parse(await readFile(join(dir.path, STORE_FILE), 'utf8')) as Record<string, string | number>;
    const fields = ['data', 'tag', 'iv', 'salt', 'keyCheck'] as const;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...fields),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        async (field, at, xor) => {
          const bytes = Buffer.from(original[field] as string, 'base64');
          bytes[at % bytes.length]! ^= xor;
          await writeFile(
            join(dir.path, STORE_FILE),
            JSON.stringify({ ...original, [field]: bytes.toString('base64') })
          );
          await assertRefused(
            () => open(HEX_KEY),
            field === 'salt' || field === 'keyCheck'
              ? /different master key|modified or corrupted/
              : /modified or corrupted/
          );
        }
      ),
      { numRuns: 40 }
    );
  });

  it('refuses a header downgrade, a truncated file and a newer format with a clear message', async () => {
    await seed();
    const original = JSON.parse(await readFile(join(dir.path, STORE_FILE), 'utf8')) as Record<string, unknown>;
    await writeFile(join(dir.path, STORE_FILE), JSON.stringify({ ...original, kdf: 'scrypt' }));
    await assertRefused(() => open(HEX_KEY), /different master key/);
    await writeFile(join(dir.path, STORE_FILE), JSON.stringify(original).slice(0, 80));
    await assertRefused(() => open(HEX_KEY), /not valid JSON/);
    await writeFile(join(dir.path, STORE_FILE), JSON.stringify({ ...original, version: 7 }));
    await assertRefused(() => open(HEX_KEY), /newer version of nexus-exporter/);
  });

  it('creates a 0600 key file on the first write when no key is set, warns, and reuses it', async () => {
    const warnings: string[] = [];
    const log = {
      ...silentLogger,
      warn: (_o: unknown, msg: string) => warnings.push(msg),
    } as unknown as typeof silentLogger;
    const store = await CredentialStore.open({ stateDir: dir.path, log });
    assert.ok(!(await readdir(dir.path)).includes(KEY_FILE), 'no key file until something is stored');
    await store.update((d) => void d.budgets.push({ provider: 'openai', account: 'a', period: 'day', amountUsd: 1 }));
    const keyPath = join(dir.path, KEY_FILE);
    assert.equal((await stat(keyPath)).mode & 0o777, 0o600);
    assert.equal(Buffer.from((await readFile(keyPath, 'utf8')).trim(), 'base64').length, 32);
    assert.ok(
      warnings.some((w) => /NEXUS_MASTER_KEY is not set/.test(w)),
      'warnings.some((w) => /NEXUS_MASTER_KEY is not set/.test(w))'
    );
    assert.equal((await open()).snapshot().budgets.length, 1, 'the next start finds the key file');
    // The key file is the key: NEXUS_MASTER_KEY_FILE pointing at it works too.
    assert.equal((await open(undefined, { masterKeyFile: keyPath })).snapshot().budgets.length, 1);
    // Setting NEXUS_MASTER_KEY later hides the key file: the error says so.
    await assertRefused(
      () => open(HEX_KEY),
      /master\.key exists: if the store was created with it, unset NEXUS_MASTER_KEY/
    );
  });

  it('applies concurrent updates one at a time, in call order, and a failed change writes nothing', async () => {
    const store = await open(HEX_KEY);
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        store.update(
          (d) => void d.budgets.push({ provider: 'openai', account: `a${i}`, period: 'day', amountUsd: i + 1 }),
          () => order.push(i)
        )
      )
    );
    assert.deepEqual(
      order,
      Array.from({ length: 20 }, (_, i) => i)
    );
    const before = await readFile(join(dir.path, STORE_FILE));
    await assert.rejects(
      store.update(() => {
        throw new Error('no');
      }),
      /no/
    );
    assert.deepEqual(await readFile(join(dir.path, STORE_FILE)), before);
    const data: StoreData = (await open(HEX_KEY)).snapshot();
    assert.deepEqual(
      data.budgets.map((b) => b.account),
      Array.from({ length: 20 }, (_, i) => `a${i}`)
    );
  });

  it('never writes in read-only mode', async () => {
    const store = await open(HEX_KEY, { readOnly: true });
    await assert.rejects(
      store.update((d) => void d.budgets.push({ provider: 'openai', account: 'a', period: 'day', amountUsd: 1 })),
      /read-only/
    );
    assert.deepEqual(await readdir(dir.path), []);
  });
});
