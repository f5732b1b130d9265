// Structured JSON logs (pino). Secrets are redacted by key name and by value: every credential the
// exporter holds is registered with `registerSecret`, and any string containing one is masked.
import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger };

const secrets = new Set<string>();

/** Remember a credential so that no log line, error message or API answer can carry it. */
export function registerSecret(value: string | undefined): void {
  if (value && value.length >= 6) secrets.add(value);
}

export function forgetSecret(value: string | undefined): void {
  if (value) secrets.delete(value);
}

/** Masks every registered secret inside `text`. */
export function redact(text: string): string {
  let out = text;
  for (const s of secrets) if (out.includes(s)) out = out.split(s).join('[REDACTED]');
  return out;
}

const REDACT_PATHS = [
  '*.adminKey', '*.apiKey', '*.authToken', '*.apiKeySecret', '*.serviceKey', '*.masterKey', '*.managementKey',
  '*.password', '*.token', 'headers.authorization', '*.headers.authorization', '*.headers["x-api-key"]',
];

export function createLogger(level = process.env.NEXUS_LOG_LEVEL ?? 'info', destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'nexus-exporter' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
      formatters: { level: (label) => ({ level: label }) },
      hooks: {
        // Value-based redaction: catches a key that ended up inside an error message or URL.
        logMethod(args, method) {
          const cleaned = args.map((a) => (typeof a === 'string' ? redact(a) : a instanceof Error ? redactError(a) : scrub(a)));
          method.apply(this, cleaned as Parameters<typeof method>);
        },
      },
    },
    destination ?? pino.destination({ dest: 2, sync: true }),
  );
}

function redactError(e: Error): Record<string, unknown> {
  return { err: { type: e.name, message: redact(e.message) } };
}

function scrub(v: unknown): unknown {
  if (secrets.size === 0 || v === null || typeof v !== 'object') return v;
  return JSON.parse(redact(JSON.stringify(v, (_k, val) => (val instanceof Error ? { type: val.name, message: val.message } : val))));
}

export const silentLogger: Logger = pino({ level: 'silent' });
