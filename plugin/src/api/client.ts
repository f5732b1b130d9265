// One way to call Grafana's HTTP API: getBackendSrv().fetch, with failures turned into ApiError so every
// page can say what went wrong (exporter down, bad token, validation) in the same words.
import { lastValueFrom } from 'rxjs';
import { getBackendSrv, isFetchError } from '@grafana/runtime';

export type ApiErrorKind =
  | 'no_route'
  | 'unreachable'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'validation'
  | 'conflict'
  | 'rate_limited'
  | 'storage'
  | 'server'
  | 'unknown';

export interface FieldError {
  field: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly kind: ApiErrorKind,
    message: string,
    readonly status?: number,
    readonly code?: string,
    readonly details: FieldError[] = []
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** Field errors keyed by field path (`adminKey`, `budgets.0.amountUsd`, ...). */
  fieldErrors(): Record<string, string> {
    return Object.fromEntries(this.details.map((d) => [d.field, d.message]));
  }
}

/** What is being called, for messages. */
export type Target = 'exporter' | 'grafana' | 'prometheus';

const TARGET_NAMES: Record<Target, string> = {
  exporter: 'the exporter',
  grafana: 'Grafana',
  prometheus: 'the Prometheus data source',
};

export interface RequestOptions {
  url: string;
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  data?: unknown;
  target?: Target;
}

export async function request<T>({ url, method = 'GET', data, target = 'exporter' }: RequestOptions): Promise<T> {
  try {
    const response = await lastValueFrom(
      getBackendSrv().fetch<T>({
        url,
        method,
        data,
        // The pages show their own errors next to the thing that failed; no global toasts.
        showErrorAlert: false,
        showSuccessAlert: false,
      })
    );
    return response.data;
  } catch (e) {
    throw toApiError(e, target);
  }
}

/**
 * The body of an error as the plugin receives it: the exporter's `{error: {code, message, details}}`,
 * Grafana's own `{message}` (its proxy: "plugin route match not found", "plugin proxy route access
 * denied"), or an empty/text body that backendSrv turned into `{message, error: statusText}`.
 */
interface ErrorBody {
  error?: { code?: string; message?: string; details?: FieldError[] } | string;
  message?: string;
}

/** Grafana's plugin proxy answers (pkg/api/pluginproxy/pluginproxy.go). */
const GRAFANA_NO_ROUTE = 'plugin route match not found';
const GRAFANA_ROUTE_DENIED = 'plugin proxy route access denied';

/** Errors after which retrying on a timer only makes things worse (a wrong token gets an address blocked). */
export function stopsAutoRefresh(e: ApiError): boolean {
  return e.kind === 'unauthorized' || e.kind === 'forbidden' || e.kind === 'rate_limited' || e.kind === 'no_route';
}

export function toApiError(e: unknown, target: Target = 'exporter'): ApiError {
  if (e instanceof ApiError) {
    return e;
  }
  if (!isFetchError(e)) {
    return new ApiError('unknown', e instanceof Error ? e.message : String(e));
  }
  const status = e.status;
  const body = (typeof e.data === 'object' && e.data !== null ? e.data : {}) as ErrorBody;
  const exporterError = typeof body.error === 'object' ? body.error : undefined;
  const code = exporterError?.code;
  const serverMessage =
    exporterError?.message || body.message || (typeof e.data === 'string' && e.data ? e.data : undefined);
  const details = Array.isArray(exporterError?.details) ? exporterError!.details : [];
  const suffix = serverMessage ? `: ${serverMessage}` : '';
  const name = TARGET_NAMES[target];
  const exporter = target === 'exporter';

  if (!status || status < 0) {
    return new ApiError('unreachable', `The browser could not reach Grafana${suffix}`, status);
  }
  if (exporter && status === 404 && body.message === GRAFANA_NO_ROUTE) {
    return new ApiError(
      'no_route',
      'Grafana has no proxy route for this call (404 "plugin route match not found"): the installed plugin files do not match this version of the app. Reinstall the plugin and restart Grafana.',
      status
    );
  }
  if (status === 502 || status === 504) {
    return new ApiError(
      'unreachable',
      `Grafana cannot reach ${name} (${status} ${status === 502 ? 'Bad Gateway' : 'Gateway Timeout'}).` +
        (exporter
          ? ' Check the exporter URL on the configuration page, and that the exporter is running and reachable from the Grafana server (not only from your browser).'
          : ''),
      status,
      code
    );
  }
  if (status === 401) {
    return new ApiError(
      'unauthorized',
      exporter
        ? `The exporter rejected the admin token (401)${suffix}. Enter the exporter's admin token again on the configuration page.`
        : `${capitalize(name)} answered 401 Unauthorized${suffix}.`,
      status,
      code
    );
  }
  if (status === 403) {
    return new ApiError(
      'forbidden',
      exporter && body.message === GRAFANA_ROUTE_DENIED
        ? 'Managing the exporter needs the organization Admin role in Grafana (403). Ask an Admin of this organization.'
        : `Permission denied (403)${suffix}.`,
      status,
      code
    );
  }
  if (status === 404) {
    return new ApiError(
      'not_found',
      `Not found (404)${suffix}.` +
        (exporter && !/disabled/.test(serverMessage ?? '')
          ? " Is the exporter URL the exporter's base URL (without /api/v1)?"
          : ''),
      status,
      code
    );
  }
  if (status === 409) {
    return new ApiError('conflict', `Conflict (409)${suffix}`, status, code, details);
  }
  if (status === 429) {
    return new ApiError(
      'rate_limited',
      exporter
        ? `The exporter is refusing requests after too many wrong admin tokens (429)${suffix}. Fix the token on the configuration page, then wait a minute.`
        : `Too many requests (429)${suffix}.`,
      status,
      code
    );
  }
  if (status === 400 || status === 422 || code === 'VALIDATION_ERROR') {
    return new ApiError('validation', serverMessage ?? `The request was rejected (${status})`, status, code, details);
  }
  if (exporter && status === 507) {
    // The exporter names the errno (ENOSPC full, EDQUOT over quota, EROFS read-only): worth keeping.
    const errno = /\b(E[A-Z]{3,})\b/.exec(serverMessage ?? '')?.[1];
    return new ApiError(
      'storage',
      `The exporter's disk is full or read-only; nothing was saved (507${errno ? `, ${errno}` : ''}). Free space in its state directory, or make it writable, then try again.`,
      status,
      code
    );
  }
  if (status >= 500) {
    return new ApiError('server', `${capitalize(name)} failed (${status})${suffix}`, status, code);
  }
  return new ApiError('unknown', `Unexpected response (${status})${suffix}`, status, code, details);
}

function capitalize(s: string) {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
