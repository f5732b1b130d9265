// Structured JSON logs (pino). Secrets are redacted by key name and by value: every credential the
// exporter holds is registered with `registerSecret`, and any string containing one is masked.
// Redaction works on values, never on serialized text, so a credential made of JSON punctuation cannot
// break a log line; and text is redacted before it is cut short (`excerpt`), so a credential across
// the cut is not half shown.
import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger };

const secrets = new Set<string>();
const MASK = '[REDACTED]';

/** Remember a credential so that no log line, error message or API answer can carry it. */
export function registerSecret(value: string | undefined): void {
  if (value && value.length >= 6) secrets.add(value);
}

export function forgetSecret(value: string | undefined): void {
  if (value) secrets.delete(value);
}

/**
 * Masks every registered secret inside `text`. Occurrences are found in the original text and
 * overlapping ones merged, so one secret inside or across another is masked whole.
 */
export function redact(text: string): string {
  if (secrets.size === 0 || text.length === 0) return text;
  const spans: Array<[number, number]> = [];
  for (const s of secrets) {
    for (let i = text.indexOf(s); i !== -1; i = text.indexOf(s, i + 1)) spans.push([i, i + s.length]);
  }
  if (spans.length === 0) return text;
  spans.sort((a, b) => a[0] - b[0]);
  let out = '';
  let from = 0;
  let [start, end] = spans[0]!;
  for (const [a, b] of spans) {
    if (a <= end) {
      end = Math.max(end, b);
      continue;
    }
    out += text.slice(from, start) + MASK;
    from = end;
    [start, end] = [a, b];
  }
  return out + text.slice(from, start) + MASK + text.slice(end);
}

/** `text` redacted, then cut to `max` characters: never cut first, or a secret across the cut shows. */
export function excerpt(text: string, max = 300): string {
  const clean = redact(text);
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}

/**
 * The credentials inside a URL: its userinfo (user, password, both) and its query values, as written
 * and decoded. A proxy's `https://user:pass@host/v1` or `…/v1?key=…` must be as secret as an API key.
 */
export function urlSecrets(value: string): string[] {
  const m = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*@)?[^?#]*(\?[^#]*)?/i.exec(value);
  if (!m) return [];
  const raw: string[] = [];
  const userinfo = m[1]?.slice(0, -1);
  if (userinfo) raw.push(userinfo, ...userinfo.split(':'));
  for (const pair of (m[2] ?? '').slice(1).split('&')) {
    const eq = pair.indexOf('=');
    if (eq >= 0) raw.push(pair.slice(eq + 1));
  }
  const out = new Set<string>();
  for (const r of raw) {
    out.add(r);
    for (const decode of [decodeURIComponent, (s: string) => decodeURIComponent(s.replace(/\+/g, ' '))]) {
      try {
        out.add(decode(r));
      } catch {
        // not percent-encoded validly; the raw form is registered
      }
    }
  }
  return [...out].filter((s) => s.length > 0);
}

/** The URL with its userinfo and query values masked, for display; anything else unchanged. */
export function maskUrl(value: string): string {
  return value.replace(
    /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*@)?([^?#]*)(\?[^#]*)?/i,
    (_all, scheme: string, userinfo: string | undefined, rest: string, query: string | undefined) => {
      const q = query?.replace(/=[^&]*/g, `=${MASK}`) ?? '';
      return `${scheme}${userinfo ? `${MASK}@` : ''}${rest}${q}`;
    }
  );
}

const REDACT_PATHS = [
  '*.adminKey',
  '*.apiKey',
  '*.authToken',
  '*.apiKeySecret',
  '*.serviceKey',
  '*.masterKey',
  '*.managementKey',
  '*.password',
  '*.token',
  'headers.authorization',
  '*.headers.authorization',
  '*.headers["x-api-key"]',
];

export function createLogger(level = process.env.NEXUS_LOG_LEVEL ?? 'info', destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'nexus-exporter' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT_PATHS, censor: MASK },
      formatters: { level: (label) => ({ level: label }) },
      hooks: {
        // Value-based redaction: catches a key that ended up inside an error message or URL. It must
        // never throw: a log call that throws would take the process down with it.
        logMethod(args, method) {
          let cleaned: unknown[];
          try {
            cleaned = args.map((a) => (a instanceof Error ? { err: scrub(a) } : scrub(a)));
          } catch {
            cleaned = ['a log line could not be redacted and was dropped'];
          }
          method.apply(this, cleaned as Parameters<typeof method>);
        },
      },
    },
    destination ?? pino.destination({ dest: 2, sync: true })
  );
}

const MAX_DEPTH = 10;

/** A copy of `v` with every string (keys included) redacted, errors as {type, message, code}. */
function scrub(v: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (typeof v === 'string') return redact(v);
  if (v === null || typeof v !== 'object') return v;
  if (seen.has(v)) return '[Circular]';
  if (depth >= MAX_DEPTH) return '[Object]';
  seen.add(v);
  try {
    if (v instanceof Error) {
      const code = (v as NodeJS.ErrnoException).code;
      return { type: v.name, message: redact(v.message), ...(typeof code === 'string' ? { code: redact(code) } : {}) };
    }
    if (typeof (v as { toJSON?: unknown }).toJSON === 'function')
      return scrub((v as { toJSON(): unknown }).toJSON(), depth + 1, seen);
    if (Array.isArray(v)) return v.map((x) => scrub(x, depth + 1, seen));
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[redact(k)] = scrub(x, depth + 1, seen);
    return out;
  } finally {
    seen.delete(v);
  }
}

export const silentLogger: Logger = pino({ level: 'silent' });
