// What a provider module exports. providers/index.ts lists them all; nothing else needs to change to
// add a provider (config validation, the poll engine and the admin API read this table).
import { z } from 'zod';
import type { ErrorMessageOf } from '../http/client.js';
import { urlSecrets } from '../log.js';
import type { AccountBase, Collector, ProviderName, SpendScope } from './types.js';

export interface ProviderModule<A extends AccountBase = AccountBase> {
  name: ProviderName;
  /** Schema of one account in `providers.<name>[]`, with defaults; must extend `accountBase`. */
  accountSchema: z.ZodType<A>;
  create(account: A): Collector;
  /** The credential values in an account, so they can be redacted everywhere. */
  secrets(account: A): string[];
  /**
   * What the account's spend and cost cover, decided by its configuration alone: the poller puts it on
   * every series of a metric with a `scope` label, the admin API reports it. Absent for a provider
   * that reports no money (credits only).
   */
  spendScope?(account: A): SpendScope;
  /** Extracts the message from this provider's error body, when it is not a common envelope. */
  errorMessage?: ErrorMessageOf;
}

const ACCOUNT_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

/** Keys every provider account has. `defaultInterval` should keep the provider far inside its limits. */
export function accountBase(defaultBaseUrl: string, defaultIntervalSeconds: number, minIntervalSeconds = 5) {
  return z.object({
    account: z
      .string()
      .regex(ACCOUNT_NAME, 'must be 1-63 letters, digits, "_", "." or "-", starting with a letter or digit'),
    baseUrl: httpUrl.default(defaultBaseUrl),
    pollIntervalSeconds: z.number().int().min(minIntervalSeconds).max(86_400).default(defaultIntervalSeconds),
    enabled: z.boolean().default(true),
  });
}

export const httpUrl = z
  .string()
  .refine((v) => /^https?:\/\/[^/\s]+/.test(v) && URL.canParse(v), 'must be an http(s) URL');

/** A credential: a non-empty string with no surrounding whitespace (a common copy-paste mistake). */
export const secret = (what: string) =>
  z
    .string({ error: `${what} is required` })
    .min(1, `${what} is required`)
    .refine((v) => v.trim() === v, `${what} has leading or trailing whitespace`);

/**
 * Every credential of an account: the module's own, plus any in the userinfo or query string of a URL
 * field (a proxy's `https://user:pass@host/v1`).
 */
export function accountSecrets(module: AnyProviderModule, account: AccountBase & Record<string, unknown>): string[] {
  const fromUrls = Object.values(account).flatMap((v) =>
    typeof v === 'string' && /^https?:\/\//i.test(v) ? urlSecrets(v) : []
  );
  return [...module.secrets(account), ...fromUrls];
}

/** Module type with the account type erased, for tables of modules. */
export type AnyProviderModule = ProviderModule<AccountBase & Record<string, unknown>>;

export function defineProvider<S extends z.ZodType<AccountBase>>(
  module: Omit<ProviderModule<z.output<S>>, 'accountSchema'> & { accountSchema: S }
): AnyProviderModule {
  return module as unknown as AnyProviderModule;
}
