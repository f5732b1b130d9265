// Durable state files: write to a temp file, fsync it, rename over the target, fsync the directory.
// A crash at any point leaves either the old file or the new one, never a torn one.
import writeFileAtomic from 'write-file-atomic';
import { open, readFile, mkdir, access, constants } from 'node:fs/promises';
import { dirname } from 'node:path';

export async function writeJsonAtomic(path: string, value: unknown, mode = 0o600): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  // A Buffer of the exact size: written as a string, the text would be encoded through a temporary
  // buffer of three bytes per character, which malloc keeps (README, Performance).
  await writeFileAtomic(path, Buffer.from(JSON.stringify(value)), { fsync: true, mode });
  await fsyncDir(dirname(path));
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
