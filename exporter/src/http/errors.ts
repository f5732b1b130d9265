// Why a provider call failed, as the `reason` label of nexus_provider_errors_total.
import { redact } from '../log.js';

export const ERROR_REASONS = [
  'auth',
  'rate_limited',
  'server',
  'timeout',
  'network',
  'bad_response',
  'client',
] as const;
export type ErrorReason = (typeof ERROR_REASONS)[number];

export class ProviderError extends Error {
  override readonly name = 'ProviderError';
  /** Set once the error has been counted in nexus_provider_errors_total, so it is never counted twice. */
  counted = false;

  constructor(
    readonly reason: ErrorReason,
    readonly endpoint: string,
    message: string,
    readonly status?: number,
    /** Seconds the provider asked us to wait (429 Retry-After). */
    readonly retryAfterSeconds?: number
  ) {
    super(redact(message));
  }
}

/** A call abandoned because the exporter is shutting down; not a provider failure, never counted. */
export class CallAborted extends Error {
  override readonly name = 'CallAborted';
}

export function reasonForStatus(status: number): ErrorReason {
  if (status === 401 || status === 403) return 'auth';
  if (status === 429) return 'rate_limited';
  if (status >= 500) return 'server';
  return 'client';
}

/**
 * The longest Retry-After honoured (31 days): a provider asking for longer still gets no call for a
 * month; an absurd value (1e20) must not become an invalid date or an overflowing timer.
 */
export const MAX_RETRY_AFTER_SECONDS = 31 * 86_400;

/** Retry-After is either delta-seconds or an HTTP date; the wait is bounded by MAX_RETRY_AFTER_SECONDS. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  let seconds: number;
  if (/^\d+(\.\d+)?$/.test(trimmed)) {
    seconds = Number(trimmed);
  } else {
    const at = Date.parse(trimmed);
    if (Number.isNaN(at)) return undefined;
    seconds = Math.max(0, (at - now) / 1000);
  }
  return Math.min(seconds, MAX_RETRY_AFTER_SECONDS);
}
