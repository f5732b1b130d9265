// What the admin API does, apart from HTTP. Rules:
// - Config-file accounts and budgets are read-only here (409); the config file wins over a stored
//   account of the same name (store/credentials.ts).
// - PUT merges over the stored account: an omitted field keeps its stored value (so secrets are
//   write-only), `null` resets a field to its default (or removes an optional one).
// - A stored credential is never sent to a new address: changing baseUrl (or any other URL field,
//   such as exa's adminBaseUrl or twilio's monitorBaseUrl) requires sending the credentials again;
//   otherwise a caller with the admin token could read a key out by pointing the account at a server
//   of theirs.
// - A change is acknowledged once it is on disk and the poller uses it; the next poll uses the new key.
import { DEFAULT_HTTP } from '../../http/client.js';
import { ProviderError } from '../../http/errors.js';
import { maskUrl, redact, type Logger } from '../../log.js';
import { MetricsModel } from '../../metrics/model.js';
import type { Exporter } from '../../exporter.js';
import { AccountPoller, type AccountConfig, type PollerStatus } from '../../poll/poller.js';
import type { AnyProviderModule } from '../../providers/module.js';
import { PROVIDERS } from '../../providers/index.js';
import { PROVIDER_NAMES, type ProviderName } from '../../providers/types.js';
import { inConfig, type CredentialStore, type StoredAccount } from '../../store/credentials.js';
import { ApiError, validationError, zodDetails } from './errors.js';
import {
  budgetsRequestSchema,
  type AccountStatus,
  type Budget,
  type BudgetsResponse,
  type ProvidersResponse,
  type TestResult,
} from './schemas.js';

const BASE_FIELDS = new Set(['account', 'baseUrl', 'pollIntervalSeconds', 'enabled']);
const ACCOUNT_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

type Body = Record<string, unknown>;

function isObject(v: unknown): v is Body {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Names of the fields that hold credentials, found by value so that provider modules need no list. */
export function secretFields(module: AnyProviderModule, account: AccountConfig): string[] {
  const secrets = new Set(module.secrets(account));
  return Object.keys(account).filter((k) => typeof account[k] === 'string' && secrets.has(account[k]));
}

const isUrl = (v: unknown): v is string => typeof v === 'string' && /^https?:\/\//i.test(v);

/** Fields that hold an address the collector calls, found by value (any http(s) URL). */
function addressChanges(before: AccountConfig | undefined, after: AccountConfig): string[] {
  const keys = new Set([...Object.keys(before ?? {}), ...Object.keys(after)]);
  return [...keys].filter((k) => (isUrl(before?.[k]) || isUrl(after[k])) && before?.[k] !== after[k]);
}

function preview(value: unknown): { set: true; last4: string | null } {
  return { set: true, last4: typeof value === 'string' && value.length >= 12 ? value.slice(-4) : null };
}

export class AdminService {
  /** Per account, the live changes (poller add/reconfigure/remove) in the order they were written. */
  private readonly applying = new Map<string, Promise<unknown>>();

  constructor(
    private readonly exporter: Exporter,
    private readonly log: Logger
  ) {}

  private get store(): CredentialStore {
    const store = this.exporter.credentials;
    if (!store) throw new Error('the exporter is not initialised');
    return store;
  }

  providers(): ProvidersResponse {
    return {
      providers: PROVIDER_NAMES.map((provider) => ({
        provider,
        implemented: PROVIDERS[provider] !== undefined,
        accounts: [...this.exporter.pollers.values()]
          .filter((p) => p.provider === provider)
          .map((p) => this.describe(p))
          .sort((a, b) => a.account.localeCompare(b.account)),
      })),
    };
  }

  account(provider: string, name: string): AccountStatus {
    const { module } = this.target(provider, name);
    const poller = this.exporter.pollers.get(`${module.name}/${name}`);
    if (!poller) throw new ApiError('NOT_FOUND', `there is no ${module.name} account named "${name}"`);
    return this.describe(poller);
  }

  async put(provider: string, name: string, body: unknown): Promise<{ created: boolean; status: AccountStatus }> {
    const { module } = this.target(provider, name);
    const p = module.name;
    if (!isObject(body)) throw validationError([{ field: '(body)', message: 'must be a JSON object' }]);
    this.refuseConfig(p, name);
    let applied: Promise<AccountStatus> | undefined;
    const created = await this.store.update(
      (draft) => {
        const i = draft.accounts.findIndex((a) => a.provider === p && a.account === name);
        const previous = i >= 0 ? draft.accounts[i] : undefined;
        const { fields, account } = this.merge(
          module,
          name,
          previous && { fields: previous.fields, parsed: this.parseStored(module, previous) },
          body
        );
        const entry: StoredAccount = { provider: p, account: name, fields, updatedAt: new Date().toISOString() };
        if (previous) draft.accounts[i] = entry;
        else draft.accounts.push(entry);
        return { created: !previous, account };
      },
      ({ account }) => {
        // Described right after this change is applied, whatever is queued behind it.
        applied = this.apply(`${p}/${name}`, async () => this.describe(await this.exporter.upsertAccount(p, account)));
      }
    );
    const status = await applied!;
    this.log.info({ provider: p, account: name, created: created.created }, 'account saved through the admin API');
    return { created: created.created, status };
  }

  async remove(provider: string, name: string): Promise<void> {
    const { module } = this.target(provider, name);
    const p = module.name;
    this.refuseConfig(p, name);
    let applied: Promise<unknown> = Promise.resolve();
    await this.store.update(
      (draft) => {
        const i = draft.accounts.findIndex((a) => a.provider === p && a.account === name);
        if (i < 0) throw new ApiError('NOT_FOUND', `there is no ${p} account named "${name}"`);
        draft.accounts.splice(i, 1);
        // Its budgets go with it: a budget for an account that does not exist is invalid.
        draft.budgets = draft.budgets.filter((b) => !(b.provider === p && b.account === name));
        return draft.budgets;
      },
      (budgets) => {
        this.exporter.setBudgets([...this.exporter.config.budgets, ...budgets]);
        applied = this.apply(`${p}/${name}`, () => this.exporter.removeAccount(p, name));
      }
    );
    await applied;
    this.log.info({ provider: p, account: name }, 'account deleted through the admin API');
  }

  /**
   * A live connectivity check with the stored settings, or with the body's fields merged over them (or
   * a new account), nothing saved. A throwaway poller without retries probes, so the latency is one
   * attempt's and the account's own metrics are not touched.
   */
  async test(provider: string, name: string, body: unknown): Promise<TestResult> {
    const { module } = this.target(provider, name);
    const poller = this.exporter.pollers.get(`${module.name}/${name}`);
    let account: AccountConfig;
    if (body === undefined || (isObject(body) && Object.keys(body).length === 0)) {
      if (!poller)
        throw new ApiError(
          'NOT_FOUND',
          `there is no ${module.name} account named "${name}"; send its settings in the body to test them`
        );
      account = poller.config;
    } else {
      if (!isObject(body)) throw validationError([{ field: '(body)', message: 'must be a JSON object' }]);
      const previous = poller && {
        fields: Object.fromEntries(Object.entries(poller.config).filter(([k]) => k !== 'account')),
        parsed: poller.config,
      };
      account = this.merge(module, name, previous, body).account;
    }
    const { config } = this.exporter;
    const probe = new AccountPoller(module.name, account, module, {
      model: new MetricsModel(),
      log: this.log,
      http: { ...DEFAULT_HTTP, ...config.http, retries: 0 },
      polling: config.polling,
      limits: this.exporter.limits,
      signal: this.exporter.signal,
    });
    return timed(() => probe.probe());
  }

  budgets(): BudgetsResponse {
    const stored = this.store.snapshot().budgets;
    return {
      budgets: [
        ...this.exporter.config.budgets.map((b) => ({ ...b, source: 'config' as const })),
        ...stored.map((b) => ({ ...b, source: 'api' as const })),
      ],
    };
  }

  /**
   * Replaces the API-managed budgets. Entries equal to a config-file budget are accepted and ignored
   * (a UI may send back what it read); changing one is a 409.
   */
  async putBudgets(body: unknown): Promise<BudgetsResponse> {
    const parsed = budgetsRequestSchema.safeParse(body);
    if (!parsed.success) throw validationError(zodDetails(parsed.error, body));
    const { config } = this.exporter;
    await this.store.update(
      (draft) => {
        const keep: Budget[] = [];
        // Messages name entries by index, never by their values (an account field may hold anything).
        const seen = new Map<string, number>();
        const problems: Array<{ field: string; message: string }> = [];
        const conflicts: Array<{ field: string; message: string }> = [];
        parsed.data.budgets.forEach((b, i) => {
          const key = `${b.provider}/${b.account}/${b.period}`;
          if (seen.has(key))
            problems.push({
              field: `budgets[${i}].period`,
              message: `duplicate ${b.period} budget: budgets[${seen.get(key)}] is for the same account`,
            });
          else seen.set(key, i);
          const exists =
            inConfig(config, b.provider, b.account) ||
            draft.accounts.some((a) => a.provider === b.provider && a.account === b.account);
          if (!exists)
            problems.push({ field: `budgets[${i}].account`, message: `no ${b.provider} account has this name` });
          const fromConfig = config.budgets.find(
            (c) => c.provider === b.provider && c.account === b.account && c.period === b.period
          );
          if (fromConfig && fromConfig.amountUsd !== b.amountUsd) {
            conflicts.push({
              field: `budgets[${i}]`,
              message: `the ${b.period} budget of this ${b.provider} account is set in the configuration file; change it there`,
            });
          }
          if (!fromConfig) keep.push(b);
        });
        if (problems.length > 0) throw validationError(problems);
        if (conflicts.length > 0)
          throw new ApiError('CONFLICT', 'a budget in the request is defined in the configuration file', conflicts);
        draft.budgets = keep;
        return keep;
      },
      (budgets) => this.exporter.setBudgets([...config.budgets, ...budgets])
    );
    this.log.info({ budgets: parsed.data.budgets.length }, 'budgets saved through the admin API');
    return this.budgets();
  }

  private target(provider: string, name: string): { module: AnyProviderModule } {
    if (!(PROVIDER_NAMES as readonly string[]).includes(provider)) {
      throw new ApiError('NOT_FOUND', `unknown provider; one of ${PROVIDER_NAMES.join(', ')}`);
    }
    const module = PROVIDERS[provider as ProviderName];
    if (!module) throw new ApiError('NOT_FOUND', `provider ${provider} is not implemented in this version`);
    if (!ACCOUNT_NAME.test(name)) {
      throw validationError([
        { field: 'account', message: 'must be 1-63 letters, digits, "_", "." or "-", starting with a letter or digit' },
      ]);
    }
    return { module };
  }

  private refuseConfig(provider: ProviderName, name: string): void {
    if (inConfig(this.exporter.config, provider, name)) {
      throw new ApiError(
        'CONFLICT',
        `${provider}/${name} is defined in the configuration file, which the API does not change; edit the file instead`
      );
    }
  }

  private parseStored(module: AnyProviderModule, stored: StoredAccount): AccountConfig | undefined {
    const r = module.accountSchema.safeParse({ ...stored.fields, account: stored.account });
    return r.success ? r.data : undefined;
  }

  /** `body` over the previous fields, validated by the provider's schema. Throws a 400 with field details. */
  private merge(
    module: AnyProviderModule,
    name: string,
    previous: { fields: Body; parsed: AccountConfig | undefined } | undefined,
    body: Body
  ): { fields: Body; account: AccountConfig } {
    if (Object.hasOwn(body, 'account') && body.account !== name) {
      throw validationError([{ field: 'account', message: 'must match the account name in the path (or be omitted)' }]);
    }
    // Answers show URLs with their credentials masked (maskUrl); a client sending such a URL back
    // unchanged means the stored one.
    const unmasked = (k: string, v: unknown) => {
      const stored = previous && Object.hasOwn(previous.fields, k) ? previous.fields[k] : undefined;
      return isUrl(stored) && v === maskUrl(stored) ? stored : v;
    };
    // Built with fromEntries: a "__proto__" key stays a plain (unknown) field and fails validation.
    const fields = Object.fromEntries([
      ...Object.entries(previous?.fields ?? {}).filter(([k]) => !Object.hasOwn(body, k)),
      ...Object.entries(body)
        .filter(([k, v]) => k !== 'account' && v !== null)
        .map(([k, v]) => [k, unmasked(k, v)]),
    ]);
    const input = { ...fields, account: name };
    const parsed = module.accountSchema.safeParse(input);
    if (!parsed.success) throw validationError(zodDetails(parsed.error, input));
    const account = parsed.data;
    // An unparseable previous account counts as a changed address: its URLs cannot be compared.
    const moved = previous ? (previous.parsed ? addressChanges(previous.parsed, account) : ['baseUrl']) : [];
    if (moved.length > 0) {
      const inherited = secretFields(module, account).filter((f) => !Object.hasOwn(body, f));
      if (inherited.length > 0) {
        throw validationError(
          inherited.map((field) => ({
            field,
            message: `must be sent again when ${moved.join(', ')} changes: a stored credential is never sent to a new address`,
          }))
        );
      }
    }
    // Only what the schema kept is stored (a schema that strips unknown keys must not persist them).
    return { fields: Object.fromEntries(Object.entries(fields).filter(([k]) => Object.hasOwn(account, k))), account };
  }

  private apply<T>(owner: string, change: () => Promise<T>): Promise<T> {
    const next = (this.applying.get(owner) ?? Promise.resolve()).then(change, change);
    const settled = next.catch(() => undefined);
    this.applying.set(owner, settled);
    void settled.then(() => {
      if (this.applying.get(owner) === settled) this.applying.delete(owner);
    });
    return next;
  }

  private describe(poller: AccountPoller): AccountStatus {
    const s = poller.status();
    const module = PROVIDERS[poller.provider]!;
    const secrets = secretFields(module, poller.config);
    const entries = Object.entries(poller.config);
    return {
      provider: s.provider,
      account: s.account,
      source: inConfig(this.exporter.config, s.provider, s.account) ? 'config' : 'api',
      enabled: s.enabled,
      up: s.up,
      lastPollResult: s.lastResult ?? null,
      lastSuccess: s.lastSuccess ?? null,
      lastRead: s.lastRead ?? null,
      lastError: errorOut(s.lastError),
      sources: s.sources.map((x) => ({
        source: x.source,
        up: x.up,
        lastRead: x.lastRead ?? null,
        lastError: errorOut(x.lastError),
        project: x.project ?? null,
        name: x.name ?? null,
      })),
      spendScope: module.spendScope?.(poller.config) ?? null,
      // A reconfigured, now disabled poller may still hold the time of a poll that will not happen.
      nextPoll: s.enabled ? (s.nextPoll ?? null) : null,
      pollIntervalSeconds: s.pollIntervalSeconds,
      baseUrl: maskUrl(s.baseUrl),
      circuitOpen: s.circuitOpen,
      consecutiveFailures: s.consecutiveFailures,
      credentials: Object.fromEntries(entries.filter(([k]) => secrets.includes(k)).map(([k, v]) => [k, preview(v)])),
      settings: Object.fromEntries(
        entries
          .filter(([k]) => !secrets.includes(k) && !BASE_FIELDS.has(k))
          .map(([k, v]) => [k, isUrl(v) ? maskUrl(v) : v])
      ),
    };
  }
}

/** A poller's last error as the API shows it: the message redacted once more on the way out. */
function errorOut(e: PollerStatus['lastError']): AccountStatus['lastError'] {
  return e
    ? { at: e.at, reason: e.reason as NonNullable<AccountStatus['lastError']>['reason'], message: redact(e.message) }
    : null;
}

async function timed(probe: () => Promise<void>): Promise<TestResult> {
  const started = performance.now();
  const latency = () => Math.round((performance.now() - started) * 10) / 10;
  try {
    await probe();
    return { ok: true, latencyMs: latency() };
  } catch (e) {
    const latencyMs = latency();
    if (e instanceof ProviderError) return { ok: false, latencyMs, reason: e.reason, message: redact(e.message) };
    return {
      ok: false,
      latencyMs,
      reason: 'bad_response',
      message: redact(e instanceof Error ? e.message : String(e)),
    };
  }
}
