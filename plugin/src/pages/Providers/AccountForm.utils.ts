import type { AccountInput, AccountState } from '../../api/exporter.types';
import type { ProviderInfo } from '../../providers/catalog';

export interface FormValues {
  account: string;
  /** Plain credential fields (account SIDs) and new secret values, by field key. */
  credentials: Record<string, string>;
  /** Secrets the user reset: the stored value is dropped unless a new one is typed. */
  reset: Record<string, boolean>;
  baseUrl: string;
  pollIntervalSeconds: string;
  enabled: boolean;
}

export function initialValues(info: ProviderInfo, state?: AccountState): FormValues {
  const settings = (state?.settings ?? {}) as Record<string, unknown>;
  return {
    account: state?.account ?? '',
    credentials: Object.fromEntries(
      info.credentials.map((f) => [
        f.key,
        !f.secret && typeof settings[f.key] === 'string' ? (settings[f.key] as string) : '',
      ])
    ),
    reset: {},
    baseUrl: state?.baseUrl ?? '',
    pollIntervalSeconds: state ? String(state.pollIntervalSeconds) : '',
    enabled: state?.enabled ?? true,
  };
}

/** Whether the stored account has this secret and the user has not reset it. */
export function secretConfigured(state: AccountState | undefined, values: FormValues, key: string): boolean {
  return Boolean(state?.credentials[key]?.set) && !values.reset[key];
}

/**
 * The PUT (or test) body: only what changed. An untouched secret is omitted (the exporter keeps it);
 * a reset one without a new value is `null` (removed); cleared plain fields are `null` (default).
 */
export function buildInput(info: ProviderInfo, values: FormValues, state?: AccountState): AccountInput {
  const initial = initialValues(info, state);
  const input: AccountInput = {};
  for (const field of info.credentials) {
    const value = values.credentials[field.key] ?? '';
    if (field.secret) {
      if (value) {
        input[field.key] = value;
      } else if (state && values.reset[field.key] && state.credentials[field.key]?.set) {
        input[field.key] = null;
      }
    } else if (!state ? value : value !== initial.credentials[field.key]) {
      input[field.key] = value.trim() || null;
    }
  }
  const baseUrl = values.baseUrl.trim();
  if (!state ? baseUrl : baseUrl !== initial.baseUrl) {
    input.baseUrl = baseUrl || null;
  }
  const interval = values.pollIntervalSeconds.trim();
  if (!state ? interval : interval !== initial.pollIntervalSeconds) {
    input.pollIntervalSeconds = interval ? Number(interval) : null;
  }
  if (!state || values.enabled !== initial.enabled) {
    input.enabled = values.enabled;
  }
  return input;
}

/** Checks the browser can do before asking the exporter; the exporter's own errors are shown the same way. */
export function localErrors(values: FormValues, isNew: boolean, info?: ProviderInfo): Record<string, string> {
  const errors: Record<string, string> = {};
  if (isNew && values.account === '') {
    errors.account = 'Required';
  } else if (isNew && !/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/.test(values.account)) {
    errors.account = 'Use 1-63 letters, digits, "_", "." or "-", starting with a letter or digit';
  }
  for (const field of info?.credentials ?? []) {
    if (isNew && field.required && !(values.credentials[field.key] ?? '').trim()) {
      errors[field.key] = 'Required';
    }
  }
  const interval = values.pollIntervalSeconds.trim();
  if (interval && !/^\d+$/.test(interval)) {
    errors.pollIntervalSeconds = 'Must be a whole number of seconds';
  }
  return errors;
}
