// The one error shape of the admin API:
//   {"error":{"code":"VALIDATION_ERROR","message":"…","details":[{"field":"adminKey","message":"…"}]}}
// Messages never contain request values (a value may be a credential), and every string goes through
// `redact` on the way out as a second line of defence.
import type { ServerResponse } from 'node:http';
import type { ErrorRequestHandler } from 'express';
import type { z } from 'zod';
import { formatPath } from '../../config/load.js';
import { redact, type Logger } from '../../log.js';
import { StateWriteError } from '../../store/atomic.js';

export const ERROR_CODES = {
  VALIDATION_ERROR: 400,
  UNAUTHORIZED: 401,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  INSUFFICIENT_STORAGE: 507,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface FieldError {
  field: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: FieldError[],
    readonly headers: Record<string, string> = {}
  ) {
    super(message);
  }

  get status(): number {
    return ERROR_CODES[this.code];
  }
}

export function validationError(details: FieldError[], message = 'the request is not valid'): ApiError {
  return new ApiError('VALIDATION_ERROR', message, details);
}

const MAX_DETAILS = 50;

/** Answers with the error (plain node:http, so that it also serves the disabled API without express). */
export function sendError(res: ServerResponse, e: ApiError): void {
  const details = e.details?.slice(0, MAX_DETAILS).map((d) => ({ field: redact(d.field), message: redact(d.message) }));
  const body = JSON.stringify({
    error: { code: e.code, message: redact(e.message), ...(details && details.length > 0 ? { details } : {}) },
  });
  res.statusCode = e.status;
  for (const [k, v] of Object.entries(e.headers)) res.setHeader(k, v);
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.setHeader('content-length', Buffer.byteLength(body));
  res.end(body);
}

/**
 * Maps zod issues to field errors. `input` is the value that was parsed: it is only used to tell a
 * missing field from a wrong one, never copied into a message.
 */
export function zodDetails(error: z.ZodError, input: unknown, prefix: ReadonlyArray<PropertyKey> = []): FieldError[] {
  const out: FieldError[] = [];
  for (const issue of error.issues) {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) out.push({ field: formatPath([...path, key]), message: 'unknown field' });
      continue;
    }
    let message: string;
    if (issue.code === 'invalid_type') {
      message =
        valueAt(input, issue.path) === undefined
          ? 'is required'
          : `must be ${/^[aeiou]/.test(issue.expected) ? 'an' : 'a'} ${issue.expected}`;
    } else if (issue.code === 'invalid_value') {
      message = `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    } else {
      message = issue.message;
    }
    out.push({ field: formatPath(path), message });
  }
  return out;
}

function valueAt(input: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let v = input;
  for (const p of path) {
    if (v === null || typeof v !== 'object' || !Object.hasOwn(v, p)) return undefined;
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  return v;
}

interface HttpLikeError {
  type?: unknown;
  status?: unknown;
  expose?: unknown;
}

/**
 * Last handler of the API router. body-parser's own messages can quote the body ("Unexpected token …
 * in JSON"), so they are replaced by fixed ones.
 */
export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (err instanceof ApiError) return sendError(res, err);
    if (err instanceof StateWriteError && err.storage) {
      // Nothing was changed: the store keeps its previous content, in memory and on disk.
      log.error(
        { err, method: req.method, path: req.path },
        'admin API change not saved: the state directory cannot be written'
      );
      return sendError(
        res,
        new ApiError(
          'INSUFFICIENT_STORAGE',
          `the change was not saved: the state directory cannot be written (${err.code}); nothing was changed`
        )
      );
    }
    const e = (err ?? {}) as HttpLikeError;
    switch (e.type) {
      case 'entity.too.large':
        return sendError(res, new ApiError('PAYLOAD_TOO_LARGE', 'the request body is too large'));
      case 'entity.parse.failed':
        return sendError(
          res,
          validationError([{ field: '(body)', message: 'must be a JSON object' }], 'the request body is not valid JSON')
        );
      case 'encoding.unsupported':
      case 'charset.unsupported':
        return sendError(
          res,
          new ApiError('UNSUPPORTED_MEDIA_TYPE', 'the request body must be UTF-8 JSON (Content-Type: application/json)')
        );
    }
    if (typeof e.status === 'number' && e.status >= 400 && e.status < 500) {
      return sendError(res, validationError([], 'the request could not be read'));
    }
    log.error({ err, method: req.method, path: req.path }, 'admin API request failed');
    sendError(res, new ApiError('INTERNAL', 'internal error; see the exporter log'));
  };
}
