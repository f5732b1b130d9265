// Test helpers for the admin API: a real exporter on loopback with its log captured, a request helper,
// polling for conditions, and a small JSON Schema checker for the OpenAPI test.
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { configSchema, type ExporterConfig } from '../../config/schema.js';
import { createLogger } from '../../log.js';
import { tempDir } from '../../testing/harness.js';
import { runExporter, type RunningExporter } from '../listen.js';

// Tests decide the token and the key themselves; a developer's shell must not change the outcome.
delete process.env.NEXUS_ADMIN_TOKEN;
delete process.env.NEXUS_MASTER_KEY;
delete process.env.NEXUS_MASTER_KEY_FILE;

export const TOKEN = 'test-admin-token-5f1e7c9a2b4d6e80';

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed body, or undefined when it is not JSON. */
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface CallOptions {
  body?: unknown;
  /** Sent as is, with no Content-Type unless given in `headers`. */
  raw?: string | Buffer;
  /** `null` sends no Authorization header. */
  token?: string | null;
  headers?: Record<string, string>;
}

export async function call(url: string, method: string, path: string, opts: CallOptions = {}): Promise<Reply> {
  const headers: Record<string, string> = { ...opts.headers };
  const token = opts.token === undefined ? TOKEN : opts.token;
  if (token !== null) headers.authorization ??= `Bearer ${token}`;
  let body: string | Buffer | undefined = opts.raw;
  if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(`${url}${path}`, { method, headers, body });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

export interface ApiFixture {
  url: string;
  running: RunningExporter;
  stateDir: string;
  masterKey: string;
  /** Every log line the exporter wrote. */
  logs: string[];
  call(method: string, path: string, opts?: CallOptions): Promise<Reply>;
  /** Stops the exporter (keeps the state directory). */
  close(): Promise<void>;
  /** Stops it and deletes the state directory. */
  remove(): Promise<void>;
}

export interface FixtureOptions {
  /** Config keys over the defaults (listen on a free port, a temp stateDir, the test token). */
  config?: Record<string, unknown>;
  stateDir?: string;
  masterKey?: string;
  logs?: string[];
}

export function buildConfig(stateDir: string, extra: Record<string, unknown> = {}): ExporterConfig {
  return configSchema.parse({
    listen: '127.0.0.1:0',
    stateDir,
    logLevel: 'debug',
    polling: { jitter: 0 },
    http: { timeoutSeconds: 5, retries: 0, backoffSeconds: 0.01 },
    admin: { token: TOKEN },
    ...extra,
  }) as ExporterConfig;
}

export async function startApi(opts: FixtureOptions = {}): Promise<ApiFixture> {
  const dir = opts.stateDir ? undefined : await tempDir('nexus-api-');
  const stateDir = opts.stateDir ?? dir!.path;
  const masterKey = opts.masterKey ?? randomBytes(32).toString('hex');
  const logs = opts.logs ?? [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      logs.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  const log = createLogger('debug', sink);
  const running = await runExporter(buildConfig(stateDir, opts.config), { log, masterKey });
  const url = running.url;
  return {
    url,
    running,
    stateDir,
    masterKey,
    logs,
    call: (method, path, o) => call(url, method, path, o),
    close: () => running.close(),
    remove: async () => {
      await running.close();
      await dir?.remove();
    },
  };
}

/** Polls `check` until it returns a truthy value; generous by default (shared, slow CI machines). */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  what: string,
  timeoutMs = 30_000
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

type Schema = Record<string, unknown> | boolean;

const ANNOTATIONS = new Set([
  'description',
  'default',
  'title',
  'examples',
  'format',
  'deprecated',
  'readOnly',
  'writeOnly',
]);
const KEYWORDS = new Set([
  '$ref',
  'type',
  'properties',
  'required',
  'additionalProperties',
  'propertyNames',
  'items',
  'enum',
  'const',
  'anyOf',
  'oneOf',
  'allOf',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'minLength',
  'maxLength',
  'pattern',
  'minItems',
  'maxItems',
]);

/**
 * Validates `value` against a JSON Schema (2020-12 subset) with `#/...` references into `root`.
 * Returns the problems; throws on a keyword it does not implement, so nothing is silently accepted.
 */
export function checkSchema(value: unknown, schema: Schema, root: Record<string, unknown>, path = '$'): string[] {
  if (schema === true) return [];
  if (schema === false) return [`${path}: no value is allowed here`];
  for (const k of Object.keys(schema)) {
    if (!KEYWORDS.has(k) && !ANNOTATIONS.has(k)) throw new Error(`checkSchema does not implement "${k}" (at ${path})`);
  }
  const s = schema as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  const out: string[] = [];
  if (s.$ref !== undefined) {
    const target = (s.$ref as string)
      .replace(/^#\//, '')
      .split('/')
      .reduce<any>((o, k) => o?.[k], root); // eslint-disable-line @typescript-eslint/no-explicit-any
    if (!target) return [`${path}: unresolved $ref ${s.$ref}`];
    out.push(...checkSchema(value, target, root, path));
  }
  if (s.type !== undefined) {
    const types: string[] = Array.isArray(s.type) ? s.type : [s.type];
    if (!types.some((t) => typeMatches(value, t)))
      return [
        ...out,
        `${path}: expected ${types.join('|')}, got ${value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value}`,
      ];
  }
  if (s.enum !== undefined && !(s.enum as unknown[]).some((e) => e === value))
    out.push(`${path}: not one of the enum values`);
  if (s.const !== undefined && s.const !== value) out.push(`${path}: must equal ${JSON.stringify(s.const)}`);
  if (typeof value === 'number') {
    if (s.minimum !== undefined && value < s.minimum) out.push(`${path}: below minimum`);
    if (s.maximum !== undefined && value > s.maximum) out.push(`${path}: above maximum`);
    if (s.exclusiveMinimum !== undefined && value <= s.exclusiveMinimum)
      out.push(`${path}: not above exclusiveMinimum`);
    if (s.exclusiveMaximum !== undefined && value >= s.exclusiveMaximum)
      out.push(`${path}: not below exclusiveMaximum`);
  }
  if (typeof value === 'string') {
    if (s.minLength !== undefined && value.length < s.minLength) out.push(`${path}: shorter than minLength`);
    if (s.maxLength !== undefined && value.length > s.maxLength) out.push(`${path}: longer than maxLength`);
    if (s.pattern !== undefined && !new RegExp(s.pattern, 'u').test(value))
      out.push(`${path}: does not match ${s.pattern}`);
  }
  if (Array.isArray(value)) {
    if (s.minItems !== undefined && value.length < s.minItems) out.push(`${path}: fewer than minItems`);
    if (s.maxItems !== undefined && value.length > s.maxItems) out.push(`${path}: more than maxItems`);
    if (s.items !== undefined) value.forEach((v, i) => out.push(...checkSchema(v, s.items, root, `${path}[${i}]`)));
  }
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const obj = value as Record<string, unknown>;
    const props = (s.properties ?? {}) as Record<string, Schema>;
    for (const r of (s.required ?? []) as string[]) if (!Object.hasOwn(obj, r)) out.push(`${path}.${r}: is required`);
    for (const [k, v] of Object.entries(obj)) {
      if (Object.hasOwn(props, k)) out.push(...checkSchema(v, props[k]!, root, `${path}.${k}`));
      else if (s.additionalProperties !== undefined)
        out.push(...checkSchema(v, s.additionalProperties, root, `${path}.${k}`));
      if (s.propertyNames !== undefined) out.push(...checkSchema(k, s.propertyNames, root, `${path}{${k}}`));
    }
  }
  if (s.allOf !== undefined) for (const sub of s.allOf as Schema[]) out.push(...checkSchema(value, sub, root, path));
  if (s.anyOf !== undefined && !(s.anyOf as Schema[]).some((sub) => checkSchema(value, sub, root, path).length === 0))
    out.push(`${path}: matches none of anyOf`);
  if (
    s.oneOf !== undefined &&
    (s.oneOf as Schema[]).filter((sub) => checkSchema(value, sub, root, path).length === 0).length !== 1
  )
    out.push(`${path}: does not match exactly one of oneOf`);
  return out;
}

function typeMatches(v: unknown, t: string): boolean {
  switch (t) {
    case 'null':
      return v === null;
    case 'array':
      return Array.isArray(v);
    case 'object':
      return v !== null && typeof v === 'object' && !Array.isArray(v);
    case 'integer':
      return Number.isInteger(v);
    case 'number':
      return typeof v === 'number' && Number.isFinite(v);
    default:
      return typeof v === t;
  }
}
