// The faults the soak injects at random: every kind the simulators support (simulators/base.ts: status
// codes with the provider's error body, 429 with Retry-After as seconds or as an HTTP date, slow answers
// and answers slower than the exporter's timeout, HTML, truncated JSON, dropped connections, bodies over
// the exporter's 32 MiB limit, dates in a format the provider does not document), plus the documented
// variants of a provider's answer switched mid-run (OpenRouter's `/activity` dates with or without a
// time, Twilio's amounts as strings or numbers).
import type { Fault, Simulator } from '../../exporter/src/simulators/base.js';
import type { OpenRouterSimulator } from '../../exporter/src/simulators/openrouter.js';
import type { TwilioSimulator } from '../../exporter/src/simulators/twilio.js';
import type { ProviderName } from '../../exporter/src/providers/types.js';
import type { Rng } from './soak-clock.js';

/** The exporter's HTTP settings in the soak (real seconds): retries and deferrals stay short. */
export const SOAK_HTTP = { timeoutSeconds: 2, retries: 2, backoffSeconds: 0.05, maxRetryAfterSeconds: 2 };

export interface FaultKind {
  name: string;
  /** The `reason` of nexus_provider_errors_total the exporter counts for it; none for a fault it absorbs. */
  reason?: string;
  /** Relative frequency. */
  weight: number;
  make(r: Rng): Fault | 'format';
  /** Only these providers and path fragments (the answers the fault changes); any by default. */
  paths?: Partial<Record<ProviderName, string[]>>;
}

/**
 * The answers whose dates the exporter reads, by provider (each simulator's `dateDrift`): a `dates`
 * fault elsewhere would change nothing the exporter reads.
 */
export const DATE_PATHS: Partial<Record<ProviderName, string[]>> = {
  openai: ['organization/costs', 'usage/completions', 'usage/embeddings'],
  openrouter: ['/activity'],
  exa: ['/usage'],
  twilio: ['Daily.json', 'Today.json', 'ThisMonth.json', '/Alerts'],
  apollo: ['credit_usage_stats'],
};

const HANG_MS = (SOAK_HTTP.timeoutSeconds + 2) * 1000;

export const FAULT_KINDS: FaultKind[] = [
  { name: '401', reason: 'auth', weight: 3, make: () => ({ kind: 'status', status: 401 }) },
  { name: '403', reason: 'auth', weight: 2, make: () => ({ kind: 'status', status: 403 }) },
  // At most maxRetryAfterSeconds: the call waits and retries.
  {
    name: '429 short Retry-After',
    reason: 'rate_limited',
    weight: 3,
    make: (r) => ({ kind: 'status', status: 429, retryAfter: r.int(0, SOAK_HTTP.maxRetryAfterSeconds) }),
  },
  // Longer: the call fails and the account's next poll waits that long (real seconds).
  {
    name: '429 long Retry-After',
    reason: 'rate_limited',
    weight: 2,
    make: (r) => ({ kind: 'status', status: 429, retryAfter: r.int(SOAK_HTTP.maxRetryAfterSeconds + 1, 8) }),
  },
  {
    name: '429 Retry-After date',
    reason: 'rate_limited',
    weight: 1,
    make: (r) => ({ kind: 'status', status: 429, retryAfter: new Date(Date.now() + r.int(1, 6) * 1000).toUTCString() }),
  },
  { name: '429 no Retry-After', reason: 'rate_limited', weight: 1, make: () => ({ kind: 'status', status: 429 }) },
  { name: '500', reason: 'server', weight: 3, make: () => ({ kind: 'status', status: 500 }) },
  { name: '502', reason: 'server', weight: 2, make: () => ({ kind: 'status', status: 502 }) },
  { name: '503', reason: 'server', weight: 2, make: () => ({ kind: 'status', status: 503 }) },
  { name: '400', reason: 'client', weight: 1, make: () => ({ kind: 'status', status: 400 }) },
  { name: 'HTML 200', reason: 'bad_response', weight: 2, make: () => ({ kind: 'html' }) },
  { name: 'HTML 502', reason: 'server', weight: 1, make: () => ({ kind: 'html', status: 502 }) },
  { name: 'truncated JSON', reason: 'bad_response', weight: 3, make: () => ({ kind: 'truncated' }) },
  { name: 'slow', weight: 2, make: (r) => ({ kind: 'slow', ms: r.int(100, 1500) }) },
  {
    name: 'hang (past the timeout)',
    reason: 'timeout',
    weight: 2,
    make: (r) => ({ kind: 'slow', ms: HANG_MS + r.int(0, 2000) }),
  },
  { name: 'dropped connection', reason: 'network', weight: 2, make: () => ({ kind: 'drop' }) },
  {
    name: 'oversized body',
    reason: 'bad_response',
    weight: 0.3,
    make: () => ({ kind: 'oversized', bytes: 33 * 1024 * 1024 }),
  },
  {
    name: 'unknown date format',
    reason: 'bad_response',
    weight: 2,
    make: () => ({ kind: 'dates' }),
    paths: DATE_PATHS,
  },
  { name: 'answer format switched', weight: 1, make: () => 'format' },
];

/** Path fragments worth aiming at (one source failing while the others read); otherwise any request. */
const PATHS: Record<ProviderName, string[]> = {
  openai: ['organization/costs', 'usage/completions', 'usage/embeddings', 'organization/projects'],
  openrouter: ['/key$', '/keys', '/credits', '/activity'],
  exa: ['/api-keys$', '/usage', '/search'],
  twilio: ['Daily.json', 'Today.json', 'ThisMonth.json', 'Balance.json', '/Alerts', 'Accounts.json'],
  apollo: ['api_usage_stats', 'credit_usage_stats'],
};

export interface InjectedFault {
  provider: ProviderName;
  kind: string;
  path?: string;
  times: number;
}

export class FaultInjector {
  readonly injected = new Map<string, number>();
  private readonly kinds: FaultKind[];
  private readonly total: number;

  constructor(
    private readonly sims: Map<ProviderName, Simulator>,
    private readonly r: Rng,
    exclude: string[] = []
  ) {
    this.kinds = FAULT_KINDS.filter((k) => !exclude.includes(k.name));
    this.total = this.kinds.reduce((s, k) => s + k.weight, 0);
  }

  /** Arms one random fault on a random simulator. */
  injectOne(): InjectedFault {
    let pick = this.r.next() * this.total;
    const kind = this.kinds.find((k) => (pick -= k.weight) < 0) ?? this.kinds[0]!;
    const fault = kind.make(this.r);
    // Answer formats vary only where the providers document two forms.
    const providers = [...this.sims.keys()].filter(
      (p) => (fault !== 'format' || p === 'openrouter' || p === 'twilio') && (!kind.paths || kind.paths[p])
    );
    const provider = this.r.pick(providers);
    const sim = this.sims.get(provider)!;
    this.injected.set(kind.name, (this.injected.get(kind.name) ?? 0) + 1);
    if (fault === 'format') {
      this.switchFormat(provider, sim);
      return { provider, kind: kind.name, times: 1 };
    }
    const aimed = kind.paths?.[provider];
    const path = aimed ? this.r.pick(aimed) : this.r.chance(0.4) ? this.r.pick(PATHS[provider]) : undefined;
    const times = this.r.int(1, 3);
    sim.inject(fault, { path, times });
    return { provider, kind: kind.name, path, times };
  }

  /** Switches a provider between the documented forms of its answers (both must be read alike). */
  private switchFormat(provider: ProviderName, sim: Simulator): void {
    if (provider === 'openrouter') {
      const o = (sim as OpenRouterSimulator).options;
      o.activityDates = o.activityDates === 'spec' ? 'live' : 'spec';
    } else if (provider === 'twilio') {
      const o = (sim as TwilioSimulator).options;
      o.numericValues = !o.numericValues;
    }
  }

  clear(): void {
    for (const sim of this.sims.values()) sim.clearFaults();
  }
}
