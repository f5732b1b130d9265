import type { AccountInput, AccountState } from '../../api/exporter.types';
import { providerDefaults, type ProviderInfo, type SettingField } from '../../providers/catalog';

/** Twilio's `subaccounts`: none (omitted), `all`, or the SIDs typed one per line or comma-separated. */
export interface SubaccountsValue {
  mode: 'none' | 'all' | 'list';
  sids: string;
}

export type SettingValue = boolean | SubaccountsValue;

export interface FormValues {
  account: string;
  /** Plain credential fields (account SIDs) and new secret values, by field key. */
  credentials: Record<string, string>;
  /** Secrets the user reset: the stored value is dropped unless a new one is typed. */
  reset: Record<string, boolean>;
  /** The provider's options (ProviderInfo.settings), by field key. */
  settings: Record<string, SettingValue>;
  baseUrl: string;
  pollIntervalSeconds: string;
  enabled: boolean;
}

/** The SIDs of a `subaccounts` list as typed: one per line, or separated by commas or spaces. */
export const parseList = (text: string) => text.split(/[\s,]+/).filter(Boolean);

function initialSetting(info: ProviderInfo, field: SettingField, stored: unknown, isNew: boolean): SettingValue {
  if (field.kind === 'subaccounts') {
    if (stored === 'all') {
      return { mode: 'all', sids: '' };
    }
    return Array.isArray(stored) ? { mode: 'list', sids: stored.join('\n') } : { mode: 'none', sids: '' };
  }
  if (typeof stored === 'boolean' && !isNew) {
    return stored;
  }
  return providerDefaults(info.name)?.schemas[field.key]?.default === true;
}

/** A setting as the exporter takes it; `undefined` for "not set" (a subaccounts value of none). */
function settingInput(value: SettingValue): AccountInput[string] {
  if (typeof value === 'boolean') {
    return value;
  }
  return value.mode === 'all' ? 'all' : value.mode === 'list' ? parseList(value.sids) : undefined;
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
    settings: Object.fromEntries(info.settings.map((f) => [f.key, initialSetting(info, f, settings[f.key], !state)])),
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
  for (const field of info.settings) {
    const value = settingInput(values.settings[field.key] ?? false);
    if (JSON.stringify(value) !== JSON.stringify(settingInput(initial.settings[field.key] ?? false))) {
      if (value !== undefined) {
        input[field.key] = value;
      } else if (state) {
        input[field.key] = null; // unset: the exporter removes the stored value
      }
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
  for (const field of info?.settings ?? []) {
    const value = values.settings[field.key];
    if (field.kind === 'subaccounts' && typeof value === 'object' && value.mode === 'list') {
      const sids = parseList(value.sids);
      // The exporter's own pattern (generated from its account schema), so both sides agree.
      const pattern = listPattern(info!, field.key);
      const bad = pattern ? sids.filter((sid) => !pattern.test(sid)) : [];
      if (sids.length === 0) {
        errors[field.key] = 'Enter at least one subaccount SID, or choose All';
      } else if (bad.length > 0) {
        errors[field.key] = `Not a subaccount SID ("AC" and 32 hex characters): ${bad.join(', ')}`;
      }
    }
  }
  const interval = values.pollIntervalSeconds.trim();
  if (interval && !/^\d+$/.test(interval)) {
    errors.pollIntervalSeconds = 'Must be a whole number of seconds';
  }
  return errors;
}

/** The pattern the exporter checks each entry of a list setting against, if its schema has one. */
function listPattern(info: ProviderInfo, key: string): RegExp | undefined {
  const schema = providerDefaults(info.name)?.schemas[key];
  const list = schema?.type === 'array' ? schema : schema?.anyOf?.find((s) => s.type === 'array');
  return list?.items?.pattern ? new RegExp(list.items.pattern) : undefined;
}

/**
 * The exporter's field errors placed on the form's fields: an entry of a list setting
 * (`subaccounts[1]`) goes to that setting, naming the entry (a SID, never a secret).
 */
export function placeFieldErrors(
  info: ProviderInfo,
  values: FormValues,
  details: Array<{ field: string; message: string }>
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const d of details) {
    const m = /^(\w+)\[(\d+)\]$/.exec(d.field);
    const field = m && info.settings.find((f) => f.key === m[1]);
    if (field && m) {
      const value = values.settings[field.key];
      const entry = typeof value === 'object' ? parseList(value.sids)[Number(m[2])] : undefined;
      const message = entry && !d.message.includes(entry) ? `${entry}: ${d.message}` : d.message;
      out[field.key] = out[field.key] ? `${out[field.key]}; ${message}` : message;
    } else {
      out[d.field] = d.message;
    }
  }
  return out;
}
