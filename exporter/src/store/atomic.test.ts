// Durable state writes: the whole content or nothing. Short writes are continued until done; a disk
// that is full, over quota or read-only fails the write, leaves the previous file and no temp file.
// Once with injected failures (a file system layer), once on a real 64 KiB tmpfs (as root).
import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { smallTmpfs, tempDir } from '../testing/harness.js';
import { StateWriteError, cleanTempFiles, nodeFs, writeFileAtomic, writeJsonAtomic, type WriteFs } from './atomic.js';

const errno = (code: string) => Object.assign(new Error(`${code}: injected`), { code });

/** The real file system, with each write limited to `max` bytes and failing with `code` once `budget` bytes are written. */
function injected({
  max = Infinity,
  budget = Infinity,
  code = 'ENOSPC',
}: {
  max?: number;
  budget?: number;
  code?: string;
}): WriteFs & { calls: number } {
  let written = 0;
  const layer = {
    ...nodeFs,
    calls: 0,
    async open(path: string, flags: string, mode: number) {
      const h = await nodeFs.open(path, flags, mode);
      return {
        async write(buffer: Buffer, offset: number, length: number, position: number) {
          layer.calls++;
          const room = budget - written;
          if (room <= 0) throw errno(code);
          const r = await h.write(buffer, offset, Math.min(length, max, room), position);
          written += r.bytesWritten;
          return r;
        },
        sync: () => h.sync(),
        close: () => h.close(),
      };
    },
  };
  return layer;
}

const document = (n: number) => ({
  version: 1,
  items: Array.from({ length: n }, (_, i) => ({ i, key: `value-${i}-${'x'.repeat(40)}` })),
});

let dir: { path: string; remove(): Promise<void> };
beforeEach(async () => {
  dir = await tempDir('nexus-atomic-');
});
afterEach(() => dir.remove());

describe('writeJsonAtomic', () => {
  it('continues short writes until the whole content is on disk', async () => {
    const path = join(dir.path, 'state.json');
    const fs = injected({ max: 7 });
    const value = document(200);
    await writeJsonAtomic(path, value, { fs });
    assert.deepEqual(JSON.parse(await readFile(path, 'utf8')), value);
    assert.ok(fs.calls > 1000, 'the content took many short writes');
  });

  for (const code of ['ENOSPC', 'EDQUOT', 'EROFS']) {
    it(`${code} part-way through leaves the previous file and no temp file`, async () => {
      const path = join(dir.path, 'state.json');
      await writeJsonAtomic(path, { version: 1, previous: true });
      const fs = injected({ max: 4096, budget: 5000, code });
      await assert.rejects(writeJsonAtomic(path, document(500), { fs }), (e: unknown) => {
        assert.ok(e instanceof StateWriteError, 'e instanceof StateWriteError');
        assert.equal(e.code, code);
        assert.equal(e.storage, true);
        assert.equal(e.path, path);
        return true;
      });
      assert.deepEqual(JSON.parse(await readFile(path, 'utf8')), { version: 1, previous: true });
      assert.deepEqual(await readdir(dir.path), ['state.json']);
    });
  }

  it('a failure at open is a storage failure too, and another error is not', async () => {
    const path = join(dir.path, 'state.json');
    await writeJsonAtomic(path, { previous: true });
    const readOnly: WriteFs = { ...nodeFs, open: () => Promise.reject(errno('EROFS')) };
    await assert.rejects(
      writeJsonAtomic(path, { next: true }, { fs: readOnly }),
      (e: unknown) => e instanceof StateWriteError && e.storage
    );
    const denied: WriteFs = { ...nodeFs, rename: () => Promise.reject(errno('EACCES')) };
    await assert.rejects(
      writeJsonAtomic(path, { next: true }, { fs: denied }),
      (e: unknown) => e instanceof StateWriteError && !e.storage && e.code === 'EACCES'
    );
    assert.deepEqual(JSON.parse(await readFile(path, 'utf8')), { previous: true });
    assert.deepEqual(await readdir(dir.path), ['state.json'], 'the temp file of the failed rename is removed');
  });

  it('exclusive: never replaces an existing file', async () => {
    const path = join(dir.path, 'master.key');
    await writeFile(path, 'first\n');
    await assert.rejects(
      writeFileAtomic(path, Buffer.from('second\n'), { exclusive: true }),
      (e: unknown) => e instanceof StateWriteError && e.code === 'EEXIST'
    );
    assert.equal(await readFile(path, 'utf8'), 'first\n');
    assert.deepEqual(await readdir(dir.path), ['master.key']);
    await writeFileAtomic(join(dir.path, 'new.key'), Buffer.from('k\n'), { exclusive: true });
    assert.equal(await readFile(join(dir.path, 'new.key'), 'utf8'), 'k\n');
  });

  it('on a real 64 KiB tmpfs: a write that does not fit fails and the previous file stays whole', async (t) => {
    const disk = await smallTmpfs(64);
    if ('skip' in disk) return t.skip(disk.skip);
    try {
      const path = join(disk.path, 'state.json');
      const small = document(10);
      await writeJsonAtomic(path, small);
      // About 90 KiB: the kernel writes what fits (a short write), then refuses with ENOSPC.
      await assert.rejects(
        writeJsonAtomic(path, document(1200)),
        (e: unknown) => e instanceof StateWriteError && e.code === 'ENOSPC' && e.storage
      );
      assert.deepEqual(JSON.parse(await readFile(path, 'utf8')), small);
      assert.deepEqual(await readdir(disk.path), ['state.json'], 'no temp file is left to fill the disk');
      // And the disk is usable again: a write that fits succeeds.
      await writeJsonAtomic(path, document(20));
      assert.deepEqual(JSON.parse(await readFile(path, 'utf8')), document(20));
    } finally {
      await disk.remove();
    }
  });
});

describe('cleanTempFiles', () => {
  it('removes the temp files a killed writer left, and nothing else', async () => {
    const keep = ['credentials.json', 'master.key', 'notes.json.bak', 'nexus.lock', 'openai-prod.json'];
    const stale = [
      '.credentials.json.4242-0123456789ab.tmp',
      '.openai-prod.json.17-a1b2c3d4e5f6.tmp',
      'credentials.json.3735928559',
      'openai-prod.json.12345',
    ];
    for (const name of [...keep, ...stale]) await writeFile(join(dir.path, name), 'x');
    assert.deepEqual((await cleanTempFiles(dir.path)).sort(), stale.sort());
    assert.deepEqual((await readdir(dir.path)).sort(), keep.sort());
    assert.deepEqual(await cleanTempFiles(join(dir.path, 'missing')), []);
  });

  it('matches the names writeJsonAtomic gives its temp files', async () => {
    const path = join(dir.path, 'credentials.json');
    const fs = injected({ budget: 10 });
    let temp: string | undefined;
    const spy: WriteFs = { ...fs, unlink: async (p) => void (temp = p) }; // keep the temp file, as a kill -9 would
    await assert.rejects(writeJsonAtomic(path, document(10), { fs: spy }));
    assert.ok(temp, 'a temp file was left');
    assert.deepEqual(await cleanTempFiles(dir.path), [temp.slice(dir.path.length + 1)]);
    assert.deepEqual(await readdir(dir.path), []);
  });
});
