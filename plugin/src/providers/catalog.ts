// What the Providers page needs to know about each provider's account form. The exporter validates;
// this only decides which inputs to show and how to label them. Field names are the exporter's
// (exporter/src/providers/<name>/index.ts).
import type { ProviderName } from '../api/exporter.types';
import { PROVIDER_DEFAULTS } from '../generated/providerDefaults';

export interface CredentialField {
  key: string;
  label: string;
  /** Secrets are write-only: never shown, only replaced. Identifiers (account SIDs) are plain inputs. */
  secret: boolean;
  /** A new account cannot be saved without it (the exporter checks combinations, e.g. Twilio's). */
  required?: boolean;
  description?: string;
}

/**
 * An option of the account that is not a credential, with its input: `boolean` a switch, `subaccounts`
 * none / `all` / a list of SIDs. Types, defaults and patterns come from the exporter's account schema
 * (generated/providerDefaults.ts); catalog.test.ts checks each one against it.
 */
export interface SettingField {
  key: string;
  kind: 'boolean' | 'subaccounts';
  label: string;
  description: string;
}

export interface ProviderInfo {
  name: ProviderName;
  title: string;
  description: string;
  credentials: CredentialField[];
  /** Shown under the credentials: which combinations are accepted. */
  credentialsHint?: string;
  settings: SettingField[];
  docsUrl: string;
}

export const PROVIDERS: ProviderInfo[] = [
  {
    name: 'openai',
    title: 'OpenAI',
    description: 'Costs and usage from the organization Usage and Costs APIs.',
    credentials: [
      {
        key: 'adminKey',
        label: 'Admin key',
        secret: true,
        required: true,
        description: 'An organization admin key (it starts with sk-admin-); the Usage and Costs APIs need it.',
      },
      {
        key: 'projectKey',
        label: 'Project key',
        secret: true,
        description: 'Optional (it starts with sk-proj-); used only for the liveness probe.',
      },
    ],
    settings: [
      {
        key: 'projectNames',
        kind: 'boolean',
        label: 'Read project names',
        description:
          'Lists the organization’s projects so that spend shows project names instead of ids. Turn it off for an admin key that may not list projects.',
      },
    ],
    docsUrl: 'https://platform.openai.com/docs/api-reference/usage',
  },
  {
    name: 'openrouter',
    title: 'OpenRouter',
    description: "The key's spend and remaining limit; with a management key also the balance and per-model activity.",
    credentials: [
      { key: 'apiKey', label: 'API key', secret: true, required: true, description: 'It starts with sk-or-v1-.' },
      {
        key: 'managementKey',
        label: 'Management key',
        secret: true,
        description: 'Optional; adds the prepaid balance and per-model activity.',
      },
    ],
    settings: [],
    docsUrl: 'https://openrouter.ai/docs/api-reference/limits',
  },
  {
    name: 'exa',
    title: 'Exa',
    description: 'Usage and cost of the team’s API keys from the Team Management API.',
    credentials: [
      {
        key: 'serviceKey',
        label: 'Service key',
        secret: true,
        required: true,
        description: 'Team Management API service key: the only source of usage and cost.',
      },
      {
        key: 'apiKey',
        label: 'API key',
        secret: true,
        description: 'Optional search key, used only by the paid probe.',
      },
    ],
    settings: [],
    docsUrl: 'https://docs.exa.ai',
  },
  {
    name: 'twilio',
    title: 'Twilio',
    description: 'Usage records, balance and Monitor alerts of one Twilio account.',
    credentials: [
      { key: 'accountSid', label: 'Account SID', secret: false, required: true, description: 'It starts with AC.' },
      { key: 'authToken', label: 'Auth token', secret: true },
      { key: 'apiKeySid', label: 'API key SID', secret: false, description: 'It starts with SK.' },
      { key: 'apiKeySecret', label: 'API key secret', secret: true },
    ],
    credentialsHint: 'The account SID with either its auth token, or an API key SID and secret.',
    settings: [
      {
        key: 'subaccounts',
        kind: 'subaccounts',
        label: 'Subaccounts',
        description:
          'Also read subaccounts with these credentials, each with its own spend. All lists them, which needs the auth token or a Main API key. Subaccounts share this account’s balance.',
      },
      {
        key: 'subaccountNames',
        kind: 'boolean',
        label: 'Read subaccount names',
        description:
          'Names the listed subaccounts (needs the auth token or a Main API key); with All they are always named.',
      },
    ],
    docsUrl: 'https://www.twilio.com/docs/usage/api/usage-record',
  },
  {
    name: 'apollo',
    title: 'Apollo.io',
    description: 'API usage and credit consumption.',
    credentials: [
      {
        key: 'apiKey',
        label: 'API key',
        secret: true,
        required: true,
        description: 'A master API key; usage statistics need one.',
      },
    ],
    settings: [],
    docsUrl: 'https://docs.apollo.io/reference/view-api-usage-stats',
  },
];

export function providerInfo(name: ProviderName): ProviderInfo {
  const info = PROVIDERS.find((p) => p.name === name);
  if (!info) {
    throw new Error(`unknown provider ${name}`);
  }
  return info;
}

/** Defaults and limits from the exporter's account schema (via its OpenAPI document). */
export function providerDefaults(name: ProviderName) {
  return PROVIDER_DEFAULTS[name];
}
