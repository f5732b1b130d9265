import { ApiError, stopsAutoRefresh, toApiError } from './client';

const fetchError = (status: number, data: unknown) => ({ status, data, statusText: '', config: { url: '/x' } });

describe('toApiError', () => {
  test.each([
    // backendSrv turns Grafana's empty 502/504 body into {message: '', error: statusText, response: ''}.
    [
      502,
      { message: '', error: 'Bad Gateway', response: '' },
      'unreachable',
      /^Grafana cannot reach the exporter \(502 Bad Gateway\)\. Check the exporter URL/,
    ],
    [
      504,
      { message: '', error: 'Gateway Timeout', response: '' },
      'unreachable',
      /Grafana cannot reach the exporter \(504 Gateway Timeout\)/,
    ],
    [
      404,
      { message: 'plugin route match not found' },
      'no_route',
      /^Grafana has no proxy route for this call \(404 "plugin route match not found"\).*Reinstall the plugin/,
    ],
    [
      401,
      { error: { code: 'UNAUTHORIZED', message: 'missing or wrong bearer token' } },
      'unauthorized',
      /rejected the admin token \(401\): missing or wrong bearer token/,
    ],
    [
      403,
      { message: 'plugin proxy route access denied' },
      'forbidden',
      /^Managing the exporter needs the organization Admin role in Grafana \(403\)/,
    ],
    [
      404,
      {
        error: {
          code: 'NOT_FOUND',
          message: 'the admin API is disabled; set NEXUS_ADMIN_TOKEN or admin.token to enable it',
        },
      },
      'not_found',
      /admin API is disabled/,
    ],
    [
      409,
      { error: { code: 'CONFLICT', message: 'openai/main is defined in the configuration file' } },
      'conflict',
      /Conflict \(409\): openai\/main is defined/,
    ],
    [
      429,
      { error: { code: 'RATE_LIMITED', message: 'too many failed attempts' } },
      'rate_limited',
      /too many wrong admin tokens \(429\)/,
    ],
    [
      507,
      {
        error: {
          code: 'INSUFFICIENT_STORAGE',
          message: 'the change was not saved: the state directory cannot be written (ENOSPC); nothing was changed',
        },
      },
      'storage',
      /^The exporter's disk is full or read-only; nothing was saved \(507, ENOSPC\)\. Free space in its state directory/,
    ],
    [
      507,
      { error: { code: 'INSUFFICIENT_STORAGE', message: 'the change was not saved' } },
      'storage',
      /^The exporter's disk is full or read-only; nothing was saved \(507\)\./,
    ],
    [
      500,
      { error: { code: 'INTERNAL', message: 'internal error; see the exporter log' } },
      'server',
      /The exporter failed \(500\): internal error/,
    ],
  ])('HTTP %i', (status, data, kind, message) => {
    const e = toApiError(fetchError(status, data));
    expect(e.kind).toBe(kind);
    expect(e.status).toBe(status);
    expect(e.message).toMatch(message);
    expect(e.message).not.toMatch(/Grafana Admin/);
  });

  test('only 401, 403, 429 and a missing route stop auto-refresh', () => {
    const kinds = [401, 403, 404, 409, 429, 500, 502, 504, 507].map((status) => [
      status,
      stopsAutoRefresh(
        toApiError(fetchError(status, status === 404 ? { message: 'plugin route match not found' } : {}))
      ),
    ]);
    expect(kinds).toEqual([
      [401, true],
      [403, true],
      [404, true],
      [409, false],
      [429, true],
      [500, false],
      [502, false],
      [504, false],
      [507, false],
    ]);
  });

  test('validation errors keep the field details', () => {
    const e = toApiError(
      fetchError(400, {
        error: {
          code: 'VALIDATION_ERROR',
          message: 'the request is not valid',
          details: [{ field: 'adminKey', message: 'is required' }],
        },
      })
    );
    expect(e.kind).toBe('validation');
    expect(e.message).toBe('the request is not valid');
    expect(e.fieldErrors()).toEqual({ adminKey: 'is required' });
  });

  test('names the target: a Prometheus 502 does not talk about the exporter URL', () => {
    const e = toApiError(fetchError(502, ''), 'prometheus');
    expect(e.message).toBe('Grafana cannot reach the Prometheus data source (502 Bad Gateway).');
  });

  test('a request that never got an answer is "unreachable"; other throwables are kept', () => {
    expect(toApiError(fetchError(0, '')).kind).toBe('unreachable');
    const plain = toApiError(new Error('boom'));
    expect(plain).toBeInstanceOf(ApiError);
    expect([plain.kind, plain.message]).toEqual(['unknown', 'boom']);
  });
});
