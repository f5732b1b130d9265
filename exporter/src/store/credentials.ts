// Provider accounts and budgets added through the admin API, kept in `<stateDir>/credentials.json`,
// encrypted with AES-256-GCM. The whole document is one ciphertext, rewritten atomically and durably
// (store/atomic.ts) on every change, so an acknowledged change survives a crash.
//
// Master key, first match wins:
//   NEXUS_MASTER_KEY       32 bytes as 64 hex characters or base64/base64url (44 or 43 characters), or
//                          any other string of at least 16 characters as a passphrase (scrypt)
//   NEXUS_MASTER_KEY_FILE  a file holding such a value (a mounted secret)
//   <stateDir>/master.key  created with mode 0600 (and a warning) on the first write when none exists
// Raw keys go through HKDF-SHA256, passphrases through scrypt (N=2^15, r=8, p=1); both with the
// store's random salt. A key check value in the header tells a wrong key from a damaged file.
// A store that cannot be decrypted is never rewritten: opening fails with what to do.
import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  hkdfSync,
  randomBytes,
  scrypt as scryptCb,
  type ScryptOptions,
} from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { ExporterConfig } from '../config/schema.js';
import { registerSecret, type Logger } from '../log.js';
import type { AccountConfig } from '../poll/poller.js';
import { PROVIDERS } from '../providers/index.js';
import { accountSecrets } from '../providers/module.js';
import { PROVIDER_NAMES, type ProviderName } from '../providers/types.js';
import { StateWriteError, writeFileAtomic, writeJsonAtomic } from './atomic.js';

export const STORE_FILE = 'credentials.json';
export const KEY_FILE = 'master.key';
const FORMAT = 'nexus-credentials';
const VERSION = 1;
const SCRYPT: ScryptOptions = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };

export class CredentialStoreError extends Error {
  override readonly name = 'CredentialStoreError';
}

const budgetSchema = z.object({
  provider: z.enum(PROVIDER_NAMES),
  account: z.string(),
  period: z.enum(['day', 'month']),
  amountUsd: z.number(),
});

const storedAccountSchema = z.object({
  provider: z.enum(PROVIDER_NAMES),
  account: z.string(),
  /** The fields as supplied (merged over earlier PUTs), without defaults: defaults stay the code's. */
  fields: z.record(z.string(), z.unknown()),
  updatedAt: z.string(),
});

const dataSchema = z.object({
  accounts: z.array(storedAccountSchema),
  budgets: z.array(budgetSchema),
});

export type StoredAccount = z.infer<typeof storedAccountSchema>;
export type StoredBudget = z.infer<typeof budgetSchema>;
export type StoreData = z.infer<typeof dataSchema>;

const fileSchema = z.object({
  format: z.literal(FORMAT),
  version: z.literal(VERSION),
  cipher: z.literal('aes-256-gcm'),
  kdf: z.enum(['hkdf-sha256', 'scrypt']),
  salt: z.string(),
  keyCheck: z.string(),
  iv: z.string(),
  tag: z.string(),
  data: z.string(),
});
type StoreFile = z.infer<typeof fileSchema>;

export type MasterKey =
  { kind: 'raw'; key: Buffer; origin: string } | { kind: 'passphrase'; passphrase: string; origin: string };

/** Parses a master key value (see the header comment); `origin` names where it came from, for errors. */
export function parseMasterKey(value: string, origin: string): MasterKey {
  const v = value.trim();
  if (/^[0-9a-fA-F]{64}$/.test(v)) return { kind: 'raw', key: Buffer.from(v, 'hex'), origin };
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(v)) {
    const key = Buffer.from(v.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (key.length === 32) return { kind: 'raw', key, origin };
  }
  // A mis-pasted key must not silently become a passphrase.
  if (/^[0-9a-fA-F]+$/.test(v) && v.length >= 32) {
    throw new CredentialStoreError(
      `${origin} looks like a hex key but has ${v.length} characters; a hex key has 64 (32 bytes)`
    );
  }
  if (v.length < 16) {
    throw new CredentialStoreError(
      `${origin} must be 32 bytes (64 hex characters or 44 base64 characters) or a passphrase of at least 16 characters`
    );
  }
  return { kind: 'passphrase', passphrase: v, origin };
}

interface DerivedKey {
  encKey: Buffer;
  keyCheck: string;
}

async function deriveKey(master: MasterKey, salt: Buffer): Promise<DerivedKey> {
  const root =
    master.kind === 'raw'
      ? Buffer.from(hkdfSync('sha256', master.key, salt, 'nexus-credentials root', 32))
      : await new Promise<Buffer>((resolve, reject) =>
          scryptCb(master.passphrase.normalize('NFC'), salt, 32, SCRYPT, (err, key) =>
            err ? reject(err) : resolve(key)
          )
        );
  const encKey = Buffer.from(hkdfSync('sha256', root, salt, 'nexus-credentials aes-256-gcm', 32));
  const checkKey = Buffer.from(hkdfSync('sha256', root, salt, 'nexus-credentials key-check', 32));
  const keyCheck = createHmac('sha256', checkKey).update(FORMAT).digest().subarray(0, 16).toString('base64');
  return { encKey, keyCheck };
}

function kdfOf(master: MasterKey): StoreFile['kdf'] {
  return master.kind === 'raw' ? 'hkdf-sha256' : 'scrypt';
}

/** The header is authenticated too: changing the salt or kdf is detected like changing the data. */
function aad(h: Pick<StoreFile, 'format' | 'version' | 'cipher' | 'kdf' | 'salt' | 'keyCheck'>): Buffer {
  return Buffer.from(JSON.stringify([h.format, h.version, h.cipher, h.kdf, h.salt, h.keyCheck]));
}

export function encryptStore(data: StoreData, derived: DerivedKey, kdf: StoreFile['kdf'], salt: Buffer): StoreFile {
  const header = {
    format: FORMAT,
    version: VERSION,
    cipher: 'aes-256-gcm',
    kdf,
    salt: salt.toString('base64'),
    keyCheck: derived.keyCheck,
  } as const;
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', derived.encKey, iv);
  cipher.setAAD(aad(header));
  const ciphertext = Buffer.concat([cipher.update(JSON.stringify(data), 'utf8'), cipher.final()]);
  return {
    ...header,
    iv: iv.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
    data: ciphertext.toString('base64'),
  };
}

export interface OpenOptions {
  stateDir: string;
  log: Logger;
  /** NEXUS_MASTER_KEY; defaults to the environment. */
  masterKey?: string;
  /** NEXUS_MASTER_KEY_FILE; defaults to the environment. */
  masterKeyFile?: string;
  /** Never write (the `once` command): no key file is created, `update` fails. */
  readOnly?: boolean;
  /** Called for every failed write (nexus_exporter_state_write_errors_total). */
  onWriteError?: (e: StateWriteError) => void;
}

export class CredentialStore {
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly path: string,
    private data: StoreData,
    private crypto: { master: MasterKey; salt: Buffer; derived?: DerivedKey } | undefined,
    private readonly options: OpenOptions
  ) {}

  /**
   * Opens `<stateDir>/credentials.json`. A missing store is empty (no key is needed until the first
   * write); an existing one must decrypt, or this throws a CredentialStoreError and nothing is written.
   */
  static async open(options: OpenOptions): Promise<CredentialStore> {
    const path = join(options.stateDir, STORE_FILE);
    const text = await readOptional(path);
    const master = await resolveMasterKey(options);
    if (text === undefined) {
      return new CredentialStore(
        path,
        { accounts: [], budgets: [] },
        master && { master, salt: randomBytes(16) },
        options
      );
    }
    const file = parseStoreFile(text, path);
    if (!master) throw new CredentialStoreError(noKeyMessage(path, options.stateDir));
    if (file.kdf !== kdfOf(master))
      throw new CredentialStoreError(await wrongKeyMessage(path, master, options.stateDir));
    const salt = Buffer.from(file.salt, 'base64');
    const derived = await deriveKey(master, salt);
    if (derived.keyCheck !== file.keyCheck)
      throw new CredentialStoreError(await wrongKeyMessage(path, master, options.stateDir));
    let plain: string;
    try {
      const decipher = createDecipheriv('aes-256-gcm', derived.encKey, Buffer.from(file.iv, 'base64'));
      decipher.setAAD(aad(file));
      decipher.setAuthTag(Buffer.from(file.tag, 'base64'));
      plain = Buffer.concat([decipher.update(Buffer.from(file.data, 'base64')), decipher.final()]).toString('utf8');
    } catch {
      throw new CredentialStoreError(damagedMessage(path, 'it fails authentication (modified or corrupted)'));
    }
    let data: StoreData;
    try {
      data = dataSchema.parse(JSON.parse(plain));
    } catch {
      throw new CredentialStoreError(damagedMessage(path, 'its decrypted content is not a valid credential document'));
    }
    const store = new CredentialStore(path, data, { master, salt, derived }, options);
    store.registerSecrets();
    return store;
  }

  /** A copy of the current document. */
  snapshot(): StoreData {
    return structuredClone(this.data);
  }

  /**
   * Applies `change` to a copy of the document and writes it; the new document is visible only once it
   * is on disk. Changes run one at a time, in call order; `change` may throw to abort without writing.
   * `committed` runs right after the write, still in order, so callers can queue side effects in the
   * same order as the writes.
   */
  update<T>(change: (draft: StoreData) => T | Promise<T>, committed?: (result: T) => void): Promise<T> {
    const run = async () => {
      if (this.options.readOnly) throw new Error('the credential store is read-only in this mode');
      const draft = structuredClone(this.data);
      const result = await change(draft);
      await this.write(draft);
      this.data = draft;
      committed?.(result);
      return result;
    };
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Resolves once the changes queued so far are written (or have failed). */
  async settled(): Promise<void> {
    await this.queue;
  }

  /** Throws a StateWriteError (after counting it) when the key file or the store cannot be written. */
  private async write(data: StoreData): Promise<void> {
    try {
      if (!this.crypto) {
        const master = await createKeyFile(this.options);
        this.crypto = { master, salt: randomBytes(16) };
      }
      this.crypto.derived ??= await deriveKey(this.crypto.master, this.crypto.salt);
      await writeJsonAtomic(
        this.path,
        encryptStore(data, this.crypto.derived, kdfOf(this.crypto.master), this.crypto.salt)
      );
    } catch (e) {
      const err =
        e instanceof StateWriteError
          ? e
          : new StateWriteError(join(this.options.stateDir, KEY_FILE), (e as NodeJS.ErrnoException).code, e);
      this.options.onWriteError?.(err);
      throw err;
    }
  }

  /** Even accounts that are not polled (shadowed, invalid) must stay out of logs and answers. */
  private registerSecrets(): void {
    for (const a of this.data.accounts) {
      const module = PROVIDERS[a.provider];
      const parsed = module?.accountSchema.safeParse({ ...a.fields, account: a.account });
      if (module && parsed?.success) for (const s of accountSecrets(module, parsed.data)) registerSecret(s);
    }
  }
}

/** Where the key comes from; undefined when there is none yet and none is needed (no store). */
async function resolveMasterKey(options: OpenOptions): Promise<MasterKey | undefined> {
  const env = options.masterKey ?? process.env.NEXUS_MASTER_KEY;
  if (env) return parseMasterKey(env, 'NEXUS_MASTER_KEY');
  const file = options.masterKeyFile ?? process.env.NEXUS_MASTER_KEY_FILE;
  if (file) {
    const text = await readOptional(file);
    if (text === undefined) throw new CredentialStoreError(`NEXUS_MASTER_KEY_FILE ${file} does not exist`);
    return parseMasterKey(text, `NEXUS_MASTER_KEY_FILE ${file}`);
  }
  const keyPath = join(options.stateDir, KEY_FILE);
  const text = await readOptional(keyPath);
  // No key yet: one is created on the first write, but never for a store that exists (it could not
  // decrypt it); `open` reports that case.
  if (text === undefined) return undefined;
  const mode = (await stat(keyPath)).mode & 0o077;
  if (mode !== 0)
    options.log.warn(
      { path: keyPath },
      `master key file is readable by group or others (mode ${(mode | 0o600).toString(8)}); run chmod 600`
    );
  return parseMasterKey(text, keyPath);
}

async function createKeyFile(options: OpenOptions): Promise<MasterKey> {
  const keyPath = join(options.stateDir, KEY_FILE);
  const key = randomBytes(32);
  // Exclusive: never overwrite a key file another process (or an earlier run) created. Written whole
  // or not at all: a key cut by a full disk would silently become a different key.
  await writeFileAtomic(keyPath, Buffer.from(`${key.toString('base64')}\n`), { mode: 0o600, exclusive: true });
  options.log.warn(
    { path: keyPath },
    'NEXUS_MASTER_KEY is not set: created a master key file for the credential store next to it. Anyone who can read the state directory can decrypt it; set NEXUS_MASTER_KEY (32 bytes, hex or base64) to keep the key elsewhere, and back this file up with the store'
  );
  return { kind: 'raw', key, origin: keyPath };
}

function parseStoreFile(text: string, path: string): StoreFile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new CredentialStoreError(damagedMessage(path, 'it is not valid JSON'));
  }
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success) {
    const version = (json as { version?: unknown } | null)?.version;
    if (typeof version === 'number' && version > VERSION) {
      throw new CredentialStoreError(
        `${path} was written by a newer version of nexus-exporter (store version ${version}); upgrade, or restore a backup. The file was not modified.`
      );
    }
    throw new CredentialStoreError(damagedMessage(path, 'it is not a nexus credential store'));
  }
  return parsed.data;
}

function noKeyMessage(path: string, stateDir: string): string {
  return `${path} exists but no master key is available: set NEXUS_MASTER_KEY (or NEXUS_MASTER_KEY_FILE) to the key it was written with, or restore ${join(stateDir, KEY_FILE)}. The store was not modified.`;
}

async function wrongKeyMessage(path: string, master: MasterKey, stateDir: string): Promise<string> {
  const keyFile = join(stateDir, KEY_FILE);
  const fromEnv = master.origin === 'NEXUS_MASTER_KEY' || master.origin.startsWith('NEXUS_MASTER_KEY_FILE');
  const hint =
    fromEnv && (await readOptional(keyFile)) !== undefined
      ? ` (${keyFile} exists: if the store was created with it, unset ${master.origin.split(' ')[0]})`
      : '';
  return `cannot decrypt ${path}: it was encrypted with a different master key than ${master.origin}${hint}. Set NEXUS_MASTER_KEY to the key used before, or move the file aside to start without API-managed accounts. The store was not modified.`;
}

function damagedMessage(path: string, why: string): string {
  return `cannot read ${path}: ${why}. Restore it from a backup, or move it aside to start without API-managed accounts. The store was not modified.`;
}

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CredentialStoreError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
}

/** True when the config file defines this account: config accounts are read-only through the API. */
export function inConfig(config: ExporterConfig, provider: ProviderName, account: string): boolean {
  return config.providers[provider]?.some((a) => a.account === account) ?? false;
}

/**
 * The stored accounts to poll, validated by their provider's schema. A stored account that the config
 * file also defines is shadowed (the config file wins) and kept in the store; one that no longer
 * validates is skipped with a warning and kept, so an upgrade can never destroy credentials.
 */
export function managedAccounts(
  config: ExporterConfig,
  data: StoreData,
  log: Logger
): Array<{ provider: ProviderName; account: AccountConfig }> {
  const out: Array<{ provider: ProviderName; account: AccountConfig }> = [];
  for (const stored of data.accounts) {
    const where = { provider: stored.provider, account: stored.account };
    const module = PROVIDERS[stored.provider];
    if (!module) {
      log.warn(
        where,
        'the credential store has an account for a provider this version does not implement; skipping it'
      );
      continue;
    }
    if (inConfig(config, stored.provider, stored.account)) {
      log.warn(where, 'this account is defined in both the config file and the credential store; the config file wins');
      continue;
    }
    const parsed = module.accountSchema.safeParse({ ...stored.fields, account: stored.account });
    if (!parsed.success) {
      const fields = [...new Set(parsed.error.issues.map((i) => i.path.join('.')))];
      log.warn(
        { ...where, fields },
        'a stored account no longer validates; skipping it (update it through the admin API)'
      );
      continue;
    }
    out.push({ provider: stored.provider, account: parsed.data });
  }
  return out;
}
