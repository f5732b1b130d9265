// The YAML shape of nexus.yaml. Defaults live here; config/load.ts parses, substitutes ${ENV} and
// validates into an ExporterConfig that the rest of the code imports.
import { isIP } from 'node:net';
import { z } from 'zod';
import { PROVIDERS } from '../providers/index.js';
import { httpUrl } from '../providers/module.js';
import { isOtlpProtocol, otlpProtocolProblem, type OtlpProtocol } from './otlp.js';
import { PROVIDER_NAMES, type AccountBase, type ProviderName } from '../providers/types.js';

const LISTEN = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;

const regexList = z.array(z.string()).superRefine((list, ctx) => {
  list.forEach((source, i) => {
    try {
      new RegExp(source);
    } catch (e) {
      ctx.addIssue({ code: 'custom', path: [i], message: `invalid regular expression: ${(e as Error).message}` });
    }
  });
});

/** An IPv4/IPv6 address or a CIDR range (`10.0.0.0/8`, `fd00::/8`). */
function isIpOrCidr(value: string): boolean {
  const [address, prefix, ...rest] = value.split('/');
  const version = isIP(address ?? '');
  if (version === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (version === 4 ? 32 : 128);
}

const budget = z
  .object({
    provider: z.enum(PROVIDER_NAMES),
    account: z.string().min(1),
    period: z.enum(['day', 'month']),
    amountUsd: z.number().positive('must be greater than 0'),
  })
  .strict();

/**
 * A bearer token travels as `Authorization: Bearer <token>`, whose syntax is token68 (RFC 9110 §11.4,
 * RFC 6750 §2.1): a token with a space, a quote or a non-ASCII character could never authenticate.
 */
export const TOKEN68 = /^[A-Za-z0-9._~+/-]+=*$/;
export const TOKEN68_MESSAGE =
  'must contain only letters, digits and - . _ ~ + / (with = only at the end): it is sent in an HTTP Authorization header (RFC 9110 token68), which cannot carry spaces or other characters';
const bearerToken = z.string().min(16, 'must be at least 16 characters').regex(TOKEN68, TOKEN68_MESSAGE);
// Basic auth (RFC 7617): the user name ends at the first colon; neither part may hold control characters.
// eslint-disable-next-line no-control-regex -- control characters are what it finds
const CONTROL = /[\x00-\x1f\x7f]/;

// Admin API (server/api): off unless a token is configured here or in NEXUS_ADMIN_TOKEN.
const admin = z
  .object({
    token: bearerToken.optional(),
    /** Browser origins allowed to call the API (CORS); none by default. */
    corsOrigins: z
      .array(z.string().regex(/^https?:\/\/[^/\s]+$/, 'must be an origin such as https://grafana.example.com'))
      .default([]),
    maxBodyBytes: z.number().int().min(1024).max(1_048_576).default(16_384),
    /** Wrong tokens accepted per client IP per minute before answering 429. */
    authFailuresPerMinute: z.number().int().min(1).max(1000).default(10),
    /**
     * Reverse proxies in front of the admin API (Grafana's plugin proxy), as IPs or CIDR ranges: only a
     * request from one of them has its client address taken from X-Forwarded-For. None by default.
     */
    trustedProxies: z
      .array(z.string().refine(isIpOrCidr, 'must be an IP address or a CIDR range such as 10.0.0.0/8'))
      .default([]),
  })
  .strict()
  .prefault({});

// Optional protection of /metrics; Prometheus supports both (`authorization` and `basic_auth`).
const metricsAuth = z.discriminatedUnion('type', [
  z.object({ type: z.literal('bearer'), token: bearerToken }).strict(),
  z
    .object({
      type: z.literal('basic'),
      username: z
        .string()
        .min(1)
        .refine(
          (v) => !v.includes(':') && !CONTROL.test(v),
          'must not contain ":" or control characters (RFC 7617 basic auth)'
        ),
      password: z
        .string()
        .min(8, 'must be at least 8 characters')
        .refine((v) => !CONTROL.test(v), 'must not contain control characters (RFC 7617 basic auth)'),
    })
    .strict(),
]);

// OTLP/HTTP metrics receiver (receiver/): the apps' own GenAI and HTTP client metrics on POST /v1/metrics.
const receiver = z
  .object({
    enabled: z.boolean().default(false),
    /** Bearer token senders must present (OTEL_EXPORTER_OTLP_HEADERS="Authorization=Bearer ..."). */
    token: z.string().min(16, 'must be at least 16 characters').optional(),
    /** Largest request body, counted after decompression. */
    maxBodyBytes: z.number().int().min(1024).max(67_108_864).default(4_194_304),
    maxSeries: z.number().int().min(1).max(1_000_000).default(10_000),
    maxStreams: z.number().int().min(1).max(1_000_000).default(50_000),
    /** More hosts (`host` or `host:port`) whose calls belong to a provider, e.g. a proxy. */
    hosts: z
      .record(z.string().regex(/^[^\s/]{1,260}$/, 'must be a host or host:port'), z.enum(PROVIDER_NAMES))
      .default({}),
  })
  .strict()
  .prefault({});

const providerShape = Object.fromEntries(
  PROVIDER_NAMES.filter((p) => PROVIDERS[p]).map((p) => [p, z.array(PROVIDERS[p]!.accountSchema).prefault([])])
);

export const configSchema = z
  .object({
    listen: z.string().regex(LISTEN, 'must be host:port, e.g. 127.0.0.1:9464').default('127.0.0.1:9464'),
    stateDir: z.string().min(1).default('./data'),
    logLevel: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
    /** After SIGTERM/SIGINT: how long writes and the OTLP flush may take before the process exits anyway. */
    shutdownGraceSeconds: z.number().positive().max(300).default(10),
    providers: z.object(providerShape).strict().prefault({}),
    budgets: z.array(budget).prefault([]),
    admin,
    metricsAuth: metricsAuth.optional(),
    receiver,
    otlp: z
      .object({
        endpoint: httpUrl.optional(),
        /**
         * OTLP/HTTP encoding. No default here: when absent, OTEL_EXPORTER_OTLP_METRICS_PROTOCOL or
         * OTEL_EXPORTER_OTLP_PROTOCOL decides, else http/protobuf (config/otlp.ts).
         */
        protocol: z
          .custom<OtlpProtocol>(isOtlpProtocol, { error: (issue) => otlpProtocolProblem(issue.input) })
          .optional(),
        intervalSeconds: z.number().int().min(1).max(86_400).default(60),
        headers: z.record(z.string(), z.string()).optional(),
      })
      .strict()
      .optional(),
    http: z
      .object({
        timeoutSeconds: z.number().positive().max(300).default(30),
        retries: z.number().int().min(0).max(10).default(2),
        backoffSeconds: z.number().min(0).max(60).default(1),
        maxRetryAfterSeconds: z.number().min(0).max(3600).default(60),
      })
      .strict()
      .prefault({}),
    polling: z
      .object({
        jitter: z.number().min(0).max(0.5).default(0.1),
        breakerFailures: z.number().int().min(1).max(1000).default(5),
        breakerCooldownSeconds: z.number().int().min(1).max(86_400).default(900),
      })
      .strict()
      .prefault({}),
    limits: z
      .object({
        maxValuesPerLabel: z.number().int().min(1).max(10_000).default(100),
        allow: z
          .object({ model: regexList.optional(), category: regexList.optional(), project: regexList.optional() })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    const accounts = cfg.providers as Record<string, AccountBase[]>;
    for (const [provider, list] of Object.entries(accounts)) {
      const seen = new Set<string>();
      list.forEach((a, i) => {
        if (seen.has(a.account)) {
          ctx.addIssue({
            code: 'custom',
            path: ['providers', provider, i, 'account'],
            message: `duplicate account "${a.account}"`,
          });
        }
        seen.add(a.account);
      });
    }
    const budgets = new Set<string>();
    cfg.budgets.forEach((b, i) => {
      if (!accounts[b.provider]?.some((a) => a.account === b.account)) {
        ctx.addIssue({
          code: 'custom',
          path: ['budgets', i, 'account'],
          message: `no ${b.provider} account named "${b.account}" is configured`,
        });
      }
      const key = `${b.provider}/${b.account}/${b.period}`;
      if (budgets.has(key))
        ctx.addIssue({
          code: 'custom',
          path: ['budgets', i, 'period'],
          message: `duplicate ${b.period} budget for ${b.provider}/${b.account}`,
        });
      budgets.add(key);
    });
  });

export type RawConfig = z.output<typeof configSchema>;

export type ExporterConfig = Omit<RawConfig, 'providers'> & {
  providers: Partial<Record<ProviderName, Array<AccountBase & Record<string, unknown>>>>;
};
