// Durable state files: write the whole content to a temp file (looping on short writes), fsync it,
// rename it over the target, fsync the directory. A write resolves only once all of that is done, so
// an acknowledged state is wholly on disk; a crash at any point leaves either the old file or the new
// one, never a torn one. A failed write (a full or read-only disk) removes its temp file and leaves the
// previous file in place.
import { randomBytes } from 'node:crypto';
import { open, readFile, readdir, mkdir, access, rename, link, unlink, constants } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** The few file operations a write needs; tests inject failures (short writes, ENOSPC) through it. */
export interface WriteFs {
  open(path: string, flags: string, mode: number): Promise<WriteHandle>;
  rename(from: string, to: string): Promise<void>;
  link(existing: string, path: string): Promise<void>;
  unlink(path: string): Promise<void>;
}

export interface WriteHandle {
  write(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesWritten: number }>;
  sync(): Promise<void>;
  close(): Promise<void>;
}

export const nodeFs: WriteFs = { open, rename, link, unlink };

/** Codes of a disk that cannot take the write: full, over quota, read-only. */
const STORAGE_CODES = new Set(['ENOSPC', 'EDQUOT', 'EROFS']);

/** A state write that failed; nothing was acknowledged and the previous file is unchanged. */
export class StateWriteError extends Error {
  override readonly name = 'StateWriteError';
  constructor(
    readonly path: string,
    /** The errno code (ENOSPC, EROFS...), or undefined. */
    readonly code: string | undefined,
    cause: unknown
  ) {
    super(`could not write ${path}: ${code ?? (cause instanceof Error ? cause.message : String(cause))}`, { cause });
  }

  /** The disk is full, over quota or read-only (HTTP 507), rather than some other failure. */
  get storage(): boolean {
    return this.code !== undefined && STORAGE_CODES.has(this.code);
  }
}

/** Temp files are `.<name>.<pid>-<random>.tmp` next to their target; see cleanTempFiles. */
const TEMP = /^\..+\.\d+-[0-9a-f]{12}\.tmp$/;
/** What write-file-atomic (used before) left behind on a crash: `<name>.json.<murmur hash>`. */
const LEGACY_TEMP = /^.+\.json\.\d+$/;

export interface WriteOptions {
  /** File mode of a new file (default 0600: state may hold secrets). */
  mode?: number;
  /** Fail with EEXIST instead of replacing an existing file (a key file must never be overwritten). */
  exclusive?: boolean;
  fs?: WriteFs;
}

export async function writeJsonAtomic(path: string, value: unknown, options: WriteOptions = {}): Promise<void> {
  await writeFileAtomic(path, Buffer.from(JSON.stringify(value), 'utf8'), options);
}

export async function writeFileAtomic(
  path: string,
  data: Buffer,
  { mode = 0o600, exclusive = false, fs = nodeFs }: WriteOptions = {}
): Promise<void> {
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.${process.pid}-${randomBytes(6).toString('hex')}.tmp`);
  let created = false;
  try {
    await mkdir(dir, { recursive: true });
    const handle = await fs.open(temp, 'wx', mode);
    created = true;
    try {
      // write(2) may write less than asked (a filling disk, a signal): go on until all is written.
      for (let offset = 0; offset < data.length;) {
        const { bytesWritten } = await handle.write(data, offset, data.length - offset, offset);
        if (bytesWritten <= 0) throw Object.assign(new Error('the write made no progress'), { code: 'ENOSPC' });
        offset += bytesWritten;
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (exclusive) {
      // link(2) fails if the target exists, where rename(2) would replace it.
      await fs.link(temp, path);
      await fs.unlink(temp);
    } else {
      await fs.rename(temp, path);
    }
    created = false;
    await fsyncDir(dir);
  } catch (e) {
    if (created) await fs.unlink(temp).catch(() => undefined);
    throw new StateWriteError(path, (e as NodeJS.ErrnoException).code, e);
  }
}

export async function readJson<T>(path: string): Promise<T | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw new Error(`${path} is not valid JSON (${(e as Error).message}); move it aside to start afresh`);
  }
}

/** The rename is only durable once the directory entry is on disk. */
export async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export async function ensureWritableDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await access(dir, constants.W_OK);
}

/**
 * Removes the temp files that a killed process left in `dir` (they may hold old encrypted copies of
 * deleted credentials). Only for a state directory this process holds the lock of (store/lock.ts), so
 * no other writer's temp file is in use. Returns the names removed.
 */
export async function cleanTempFiles(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const stale = names.filter((n) => TEMP.test(n) || LEGACY_TEMP.test(n));
  for (const name of stale) await unlink(join(dir, name)).catch(() => undefined);
  return stale;
}
