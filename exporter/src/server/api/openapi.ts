// OpenAPI 3.1 description of the admin API, served at GET /api/v1/openapi.json. Paths are written
// here; bodies come from the zod schemas in schemas.ts and from each provider's own account schema,
// so the document follows the code. openapi.test.ts checks that every route is described and that
// real answers validate against it.
import { z } from 'zod';
import { PROVIDERS } from '../../providers/index.js';
import { PROVIDER_NAMES } from '../../providers/types.js';
import { VERSION } from '../../version.js';
import {
  accountStatusSchema,
  budgetsRequestSchema,
  budgetsResponseSchema,
  errorSchema,
  providersResponseSchema,
  testResultSchema,
} from './schemas.js';

type JsonSchema = Record<string, unknown>;

function jsonSchema(schema: z.ZodType, io: 'input' | 'output' = 'output'): JsonSchema {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  return rest;
}

/** A provider's account schema as a PUT body: `account` comes from the path, and every field is optional (merge). */
function accountInput(schema: z.ZodType): JsonSchema {
  const s = jsonSchema(schema, 'input');
  const properties = { ...(s.properties as Record<string, JsonSchema>) };
  delete properties.account;
  const nullable = Object.fromEntries(
    Object.entries(properties).map(([k, v]) => [k, { anyOf: [v, { type: 'null' }] }])
  );
  return {
    ...s,
    properties: {
      account: { type: 'string', description: 'Optional; must equal the account in the path.' },
      ...nullable,
    },
    required: [],
  };
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: JsonSchema) => ({ 'application/json': { schema } });
const errorRef = (name: string) => ({ $ref: `#/components/responses/${name}` });

const ERROR_RESPONSES: Record<string, { status: string; description: string }> = {
  BadRequest: {
    status: '400',
    description: 'VALIDATION_ERROR: the body or a path parameter is not valid; `details` names each field.',
  },
  Unauthorized: { status: '401', description: 'UNAUTHORIZED: missing or wrong bearer token.' },
  NotFound: {
    status: '404',
    description: 'NOT_FOUND: unknown provider or account (or the API is disabled: no admin token configured).',
  },
  Conflict: {
    status: '409',
    description: 'CONFLICT: the account or budget is defined in the configuration file, which the API does not change.',
  },
  PayloadTooLarge: { status: '413', description: 'PAYLOAD_TOO_LARGE: the body exceeds admin.maxBodyBytes.' },
  UnsupportedMediaType: {
    status: '415',
    description: 'UNSUPPORTED_MEDIA_TYPE: bodies must be JSON (Content-Type: application/json, UTF-8).',
  },
  RateLimited: {
    status: '429',
    description: 'RATE_LIMITED: too many wrong tokens from this address; wait Retry-After seconds.',
  },
  InsufficientStorage: {
    status: '507',
    description:
      'INSUFFICIENT_STORAGE: the state directory is full or read-only; the change was not saved and nothing changed.',
  },
};

function errors(...names: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const n of ['Unauthorized', 'RateLimited', ...names]) out[ERROR_RESPONSES[n]!.status] = errorRef(n);
  return out;
}

export function openApiDocument(): Record<string, unknown> {
  const implemented = PROVIDER_NAMES.filter((p) => PROVIDERS[p]);
  const inputs = Object.fromEntries(
    implemented.map((p) => [`${p}AccountInput`, accountInput(PROVIDERS[p]!.accountSchema)])
  );
  const accountPath = [
    { name: 'provider', in: 'path', required: true, schema: { type: 'string', enum: [...PROVIDER_NAMES] } },
    {
      name: 'account',
      in: 'path',
      required: true,
      schema: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$' },
    },
  ];
  return {
    openapi: '3.1.0',
    info: {
      title: 'Nexus exporter admin API',
      version: VERSION,
      description: [
        'Manages provider accounts and budgets of a running exporter. Every request needs `Authorization: Bearer <token>` (admin.token or NEXUS_ADMIN_TOKEN); without a configured token the API answers 404.',
        'Credentials are write-only: answers show at most their last four characters. Accounts from the configuration file are read-only here (409); a stored account with the same name as a config-file account is ignored.',
        'Errors: `{"error":{"code","message","details":[{"field","message"}]}}`.',
      ].join('\n\n'),
    },
    servers: [{ url: '/api/v1' }],
    security: [{ bearer: [] }],
    paths: {
      '/providers': {
        get: {
          operationId: 'listProviders',
          summary: 'Every provider with its accounts and their state (providers without an account have an empty list)',
          responses: { '200': { description: 'OK', content: json(ref('ProvidersResponse')) }, ...errors() },
        },
      },
      '/providers/{provider}/accounts/{account}': {
        parameters: accountPath,
        get: {
          operationId: 'getAccount',
          summary: 'One account and its state',
          responses: {
            '200': { description: 'OK', content: json(ref('AccountStatus')) },
            ...errors('BadRequest', 'NotFound'),
          },
        },
        put: {
          operationId: 'putAccount',
          summary: 'Create or update an API-managed account; the next poll uses it',
          description:
            "The body is the provider's account schema. Omitted fields keep their stored value (so credentials need not be re-sent); `null` resets a field to its default. Changing `baseUrl` requires sending the credentials again.",
          requestBody: { required: true, content: json({ anyOf: implemented.map((p) => ref(`${p}AccountInput`)) }) },
          responses: {
            '200': { description: 'Updated', content: json(ref('AccountStatus')) },
            '201': { description: 'Created', content: json(ref('AccountStatus')) },
            ...errors(
              'BadRequest',
              'NotFound',
              'Conflict',
              'PayloadTooLarge',
              'UnsupportedMediaType',
              'InsufficientStorage'
            ),
          },
        },
        delete: {
          operationId: 'deleteAccount',
          summary: 'Delete an API-managed account (and its budgets); its series disappear from /metrics',
          responses: {
            '204': { description: 'Deleted' },
            ...errors('BadRequest', 'NotFound', 'Conflict', 'InsufficientStorage'),
          },
        },
      },
      '/providers/{provider}/accounts/{account}/test': {
        parameters: accountPath,
        post: {
          operationId: 'testAccount',
          summary:
            'Live connectivity test with the stored settings, or with the fields in the body merged over them (not saved)',
          requestBody: { required: false, content: json({ anyOf: implemented.map((p) => ref(`${p}AccountInput`)) }) },
          responses: {
            '200': {
              description: 'The test ran; `ok` tells whether the provider accepted the credentials',
              content: json(ref('TestResult')),
            },
            ...errors('BadRequest', 'NotFound', 'PayloadTooLarge', 'UnsupportedMediaType'),
          },
        },
      },
      '/budgets': {
        get: {
          operationId: 'listBudgets',
          summary: 'Every budget (nexus_budget_usd), from the configuration file and from the API',
          responses: { '200': { description: 'OK', content: json(ref('BudgetsResponse')) }, ...errors() },
        },
        put: {
          operationId: 'putBudgets',
          summary: 'Replace the API-managed budgets; entries equal to a config-file budget are ignored',
          requestBody: { required: true, content: json(ref('BudgetsRequest')) },
          responses: {
            '200': { description: 'Saved; the effective budgets', content: json(ref('BudgetsResponse')) },
            ...errors('BadRequest', 'Conflict', 'PayloadTooLarge', 'UnsupportedMediaType', 'InsufficientStorage'),
          },
        },
      },
      '/openapi.json': {
        get: {
          operationId: 'openapi',
          summary: 'This document',
          responses: { '200': { description: 'OpenAPI 3.1', content: json({ type: 'object' }) }, ...errors() },
        },
      },
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'admin.token or NEXUS_ADMIN_TOKEN' } },
      responses: Object.fromEntries(
        Object.entries(ERROR_RESPONSES).map(([name, r]) => [
          name,
          {
            description: r.description,
            ...(r.status === '429'
              ? { headers: { 'Retry-After': { schema: { type: 'integer' }, description: 'Seconds to wait' } } }
              : {}),
            content: json(ref('Error')),
          },
        ])
      ),
      schemas: {
        Error: jsonSchema(errorSchema),
        AccountStatus: jsonSchema(accountStatusSchema),
        ProvidersResponse: jsonSchema(providersResponseSchema),
        TestResult: jsonSchema(testResultSchema),
        BudgetsRequest: jsonSchema(budgetsRequestSchema, 'input'),
        BudgetsResponse: jsonSchema(budgetsResponseSchema),
        ...inputs,
      },
    },
  };
}
