// Durability of the credential store in a real process: the exporter CLI runs as a child, receives a
// stream of concurrent PUTs and DELETEs, and is killed with SIGKILL mid-stream. After a restart every
// acknowledged (2xx) change is there and the store decrypts. Then: a wrong master key or a damaged
// store stops the start with a clear message, exit code non-zero, and the file is never rewritten.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, afterEach, before, describe, it } from 'node:test';
import { silentLogger } from '../../log.js';
import { OpenAISimulator } from '../../simulators/openai.js';
import { CredentialStore, STORE_FILE } from '../../store/credentials.js';
import { tempDir } from '../../testing/harness.js';
import { TOKEN, call } from './testing.js';

const REPO = fileURLToPath(new URL('../../../../', import.meta.url));
const CLI = fileURLToPath(new URL('../../cli.ts', import.meta.url));
const SIM_KEY = 'sk-admin-kill-sim-2f4e6a8c0b1d3e5f';
const keyOf = (i: number) => `sk-admin-kill-${String(i).padStart(4, '0')}-${'ab12cd34ef56'.repeat(2)}`;

interface Child {
  proc: ChildProcess;
  stderr: string[];
  exited: Promise<number | null>;
}

const children: Child[] = [];

function startChild(configPath: string, masterKey: string): Child {
  const env: NodeJS.ProcessEnv = { ...process.env, NEXUS_MASTER_KEY: masterKey };
  delete env.NEXUS_ADMIN_TOKEN;
  const proc = spawn(process.execPath, ['--import', 'tsx', CLI, '--config', configPath], {
    cwd: REPO,
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const stderr: string[] = [];
  let partial = '';
  proc.stderr!.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString('utf8')).split('\n');
    partial = lines.pop()!;
    stderr.push(...lines);
  });
  const exited = new Promise<number | null>((resolve) =>
    proc.on('exit', (code) => {
      if (partial) stderr.push(partial);
      resolve(code);
    })
  );
  const child = { proc, stderr, exited };
  children.push(child);
  return child;
}

/** Resolves to the child's URL once it logs that it listens; rejects if it exits first. */
async function listening(child: Child, timeoutMs = 60_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const line of child.stderr) {
      if (!line.includes('nexus exporter listening')) continue;
      return (JSON.parse(line) as { url: string }).url;
    }
    if (child.proc.exitCode !== null)
      throw new Error(`the exporter exited with ${child.proc.exitCode}:\n${child.stderr.join('\n')}`);
    if (Date.now() > deadline) throw new Error(`the exporter did not start:\n${child.stderr.join('\n')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

afterEach(async () => {
  for (const c of children.splice(0)) {
    if (c.proc.exitCode === null && c.proc.signalCode === null) {
      c.proc.kill('SIGKILL');
      await c.exited;
    }
  }
});

describe('credential store under kill -9', { timeout: 240_000 }, () => {
  let dir: { path: string; remove(): Promise<void> };
  let sim: OpenAISimulator;
  let configPath: string;
  const masterKey = randomBytes(32).toString('base64');

  before(async () => {
    dir = await tempDir('nexus-kill-');
    sim = new OpenAISimulator({ adminKey: SIM_KEY });
    await sim.start();
    configPath = join(dir.path, 'nexus.yaml');
    await writeFile(
      configPath,
      [
        'listen: 127.0.0.1:0',
        `stateDir: ${JSON.stringify(join(dir.path, 'state'))}`,
        'logLevel: info',
        'polling: { jitter: 0 }',
        'http: { retries: 0, timeoutSeconds: 5 }',
        `admin: { token: ${JSON.stringify(TOKEN)} }`,
      ].join('\n')
    );
  });
  after(async () => {
    await sim.stop();
    await dir.remove();
  });

  it('keeps every acknowledged change', async (t) => {
    const first = startChild(configPath, masterKey);
    const url = await listening(first);
    const put = (name: string, body: unknown) =>
      call(url, 'PUT', `/api/v1/providers/openai/accounts/${name}`, { body });

    // Accounts that the stream deletes, all acknowledged before it starts.
    for (let d = 0; d < 5; d++)
      assert.equal(
        (await put(`del-${d}`, { adminKey: keyOf(9000 + d), baseUrl: 'http://127.0.0.1:9/v1', enabled: false })).status,
        201
      );

    const acked = new Map<string, string>(); // account -> adminKey
    const ackedDeletes = new Set<string>();
    const pendingDeletes = new Set<string>();
    let hotAcked = 0;
    let hotInFlight: number | undefined;
    let ackCount = 0;
    let inFlight = 0;
    let killedWithInFlight = -1;
    let killed = false;
    const kill = () => {
      if (killed) return;
      killed = true;
      killedWithInFlight = inFlight;
      first.proc.kill('SIGKILL');
    };
    const acknowledged = () => {
      if (++ackCount >= 60) kill();
    };

    // Four workers creating accounts (every fifth one polls the simulator for real) and deleting.
    let next = 0;
    const creator = async () => {
      while (!killed) {
        const i = next++;
        const tracked = async (op: () => Promise<{ status: number }>) => {
          inFlight++;
          try {
            return await op();
          } finally {
            inFlight--;
          }
        };
        try {
          if (i % 12 === 6 && i / 12 < 5) {
            const name = `del-${Math.floor(i / 12)}`;
            pendingDeletes.add(name);
            const r = await tracked(() => call(url, 'DELETE', `/api/v1/providers/openai/accounts/${name}`));
            assert.equal(r.status, 204);
            ackedDeletes.add(name);
          } else {
            const name = `acct-${i}`;
            const enabled = i % 5 === 0;
            const body = enabled
              ? { adminKey: SIM_KEY, baseUrl: `${sim.baseUrl}/v1`, pollIntervalSeconds: 3600 }
              : { adminKey: keyOf(i), baseUrl: 'http://127.0.0.1:9/v1', enabled: false };
            const r = await tracked(() => put(name, body));
            assert.equal(r.status, 201, JSON.stringify(r));
            acked.set(name, body.adminKey);
          }
          acknowledged();
        } catch (e) {
          if (!killed) throw e;
        }
      }
    };
    // One worker updating one account in order: what is stored must be the last acknowledged value or
    // the one in flight at the kill.
    const updater = async () => {
      assert.equal(
        (await put('hot', { adminKey: keyOf(8888), baseUrl: 'http://127.0.0.1:9/v1', enabled: false })).status,
        201
      );
      for (let v = 10; !killed; v++) {
        hotInFlight = v;
        inFlight++;
        try {
          const r = await put('hot', { pollIntervalSeconds: v });
          assert.equal(r.status, 200);
          hotAcked = v;
          acknowledged();
        } catch (e) {
          if (!killed) throw e;
        } finally {
          inFlight--;
        }
      }
    };
    await Promise.all([creator(), creator(), creator(), creator(), updater()]);
    await first.exited;
    assert.equal(first.proc.signalCode, 'SIGKILL');
    assert.ok(killedWithInFlight > 0, 'the kill happened with requests in flight');
    t.diagnostic(
      `killed with ${killedWithInFlight} requests in flight after ${acked.size} accounts, ${ackedDeletes.size} deletes and hot=${hotAcked} were acknowledged`
    );
    assert.ok(
      acked.size >= 30 && hotAcked > 10,
      `enough acknowledged changes (${acked.size} accounts, hot=${hotAcked})`
    );

    // The store decrypts and holds every acknowledged change.
    const store = await CredentialStore.open({
      stateDir: join(dir.path, 'state'),
      log: silentLogger,
      masterKey,
      readOnly: true,
    });
    const stored = new Map(store.snapshot().accounts.map((a) => [a.account, a.fields]));
    for (const [name, key] of acked)
      assert.equal(stored.get(name)?.adminKey, key, `acknowledged ${name} is stored with its key`);
    for (const name of ackedDeletes) assert.ok(!stored.has(name), `acknowledged delete of ${name} is stored`);
    for (let d = 0; d < 5; d++)
      if (!pendingDeletes.has(`del-${d}`)) assert.ok(stored.has(`del-${d}`), `del-${d} was never deleted`);
    for (const [name, fields] of stored) {
      if (name.startsWith('acct-') && !acked.has(name)) {
        // Written but not acknowledged (in flight at the kill): allowed, and complete.
        const i = Number(name.slice(5));
        assert.equal(fields.adminKey, i % 5 === 0 ? SIM_KEY : keyOf(i));
      }
    }
    const hot = stored.get('hot')?.pollIntervalSeconds;
    assert.ok(
      hot === hotAcked || hot === hotInFlight,
      `hot is ${hot}; last acknowledged ${hotAcked}, in flight ${hotInFlight}`
    );

    // The restarted exporter serves them and polls the enabled ones with the stored keys.
    const second = startChild(configPath, masterKey);
    const url2 = await listening(second);
    const list = await call(url2, 'GET', '/api/v1/providers');
    assert.equal(list.status, 200);
    const accounts = new Map<string, { credentials: { adminKey: { last4: string } }; up: boolean }>(
      list.json.providers
        .find((p: { provider: string }) => p.provider === 'openai')
        .accounts.map((a: { account: string }) => [a.account, a])
    );
    for (const [name, key] of acked) assert.equal(accounts.get(name)?.credentials.adminKey.last4, key.slice(-4), name);
    const polled = [...acked.keys()].find((n) => Number(n.slice(5)) % 5 === 0)!;
    const deadline = Date.now() + 60_000;
    while (!(await call(url2, 'GET', `/api/v1/providers/openai/accounts/${polled}`)).json.up) {
      assert.ok(Date.now() < deadline, `${polled} never polled successfully after the restart`);
      await new Promise((r) => setTimeout(r, 100));
    }

    // And no key in the process's own log, across both runs.
    const log = [...first.stderr, ...second.stderr].join('\n');
    assert.ok(log.includes('account saved through the admin API'), 'the log was captured');
    for (const key of [SIM_KEY, ...acked.values()]) assert.ok(!log.includes(key), 'a key reached the log');
    second.proc.kill('SIGTERM');
    assert.equal(await second.exited, 0);
  });

  it('refuses to start with a wrong master key or a damaged store, and never rewrites it', async () => {
    const storePath = join(dir.path, 'state', STORE_FILE);
    const original = await readFile(storePath);
    for (let attempt = 0; attempt < 2; attempt++) {
      const child = startChild(configPath, randomBytes(32).toString('hex'));
      const code = await child.exited;
      assert.notEqual(code, 0, 'a wrong key is fatal');
      assert.match(
        child.stderr.join('\n'),
        /encrypted with a different master key.*Set NEXUS_MASTER_KEY to the key used before/s
      );
      assert.deepEqual(await readFile(storePath), original, 'the store is untouched, however often it is restarted');
    }
    const file = JSON.parse(original.toString('utf8')) as { data: string };
    const data = Buffer.from(file.data, 'base64');
    data[data.length >> 1]! ^= 0x01;
    const damaged = Buffer.from(JSON.stringify({ ...file, data: data.toString('base64') }));
    await writeFile(storePath, damaged);
    const child = startChild(configPath, masterKey);
    assert.notEqual(await child.exited, 0);
    assert.match(child.stderr.join('\n'), /modified or corrupted.*Restore it from a backup/s);
    assert.deepEqual(await readFile(storePath), damaged);
  });
});
