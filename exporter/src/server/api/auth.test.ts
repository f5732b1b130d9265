// Who may call the admin API and /metrics: bearer token (missing, wrong, right), the API off without a
// token, per-IP rate limiting of wrong tokens, security headers, CORS only for configured origins.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { FailureLimiter, constantTimeEqual } from './auth.js';
import { configSchema } from '../../config/schema.js';
import { TOKEN, startApi, type ApiFixture } from './testing.js';

const ERROR_SHAPE = (code: string) => (body: unknown) => {
  const e = (body as { error?: { code?: unknown; message?: unknown } }).error;
  return e?.code === code && typeof e.message === 'string';
};

describe('admin API authentication', () => {
  let api: ApiFixture;
  before(async () => {
    api = await startApi({
      config: { admin: { token: TOKEN, authFailuresPerMinute: 1000, corsOrigins: ['https://grafana.example.com'] } },
    });
  });
  after(() => api.remove());

  it('answers 401 with a challenge to a request without a token', async () => {
    const r = await api.call('GET', '/api/v1/providers', { token: null });
    assert.equal(r.status, 401);
    assert.ok(ERROR_SHAPE('UNAUTHORIZED')(r.json), "ERROR_SHAPE('UNAUTHORIZED')(r.json)");
    assert.match(r.headers.get('www-authenticate') ?? '', /^Bearer realm="nexus-admin"/);
  });

  it('answers 401 to a wrong token, a token with a different case, a prefix, and another scheme', async () => {
    for (const header of [
      `Bearer ${TOKEN}x`,
      `Bearer ${TOKEN.toUpperCase()}`,
      `Bearer ${TOKEN.slice(0, -1)}`,
      `Basic ${Buffer.from(`admin:${TOKEN}`).toString('base64')}`,
      TOKEN,
    ]) {
      const r = await api.call('GET', '/api/v1/providers', { token: null, headers: { authorization: header } });
      assert.equal(r.status, 401, header);
      assert.ok(ERROR_SHAPE('UNAUTHORIZED')(r.json), "ERROR_SHAPE('UNAUTHORIZED')(r.json)");
      assert.ok(!r.text.includes(TOKEN), 'the token is never echoed');
    }
  });

  it('accepts the right token', async () => {
    const r = await api.call('GET', '/api/v1/providers');
    assert.equal(r.status, 200);
    assert.ok(Array.isArray(r.json.providers), 'Array.isArray(r.json.providers)');
  });

  it('never answers 2xx to any other Authorization header (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string(),
          fc.string().map((s) => `Bearer ${s}`),
          fc.string().map((s) => `Bearer ${TOKEN}${s}`)
        ),
        async (header) => {
          fc.pre(header.trim() !== `Bearer ${TOKEN}` && /^[\t\x20-\x7e]*$/.test(header));
          const r = await api.call('GET', '/api/v1/providers', { token: null, headers: { authorization: header } });
          assert.equal(r.status, 401);
        }
      ),
      { numRuns: 60 }
    );
  });

  it('sends the security headers on every answer, errors included', async () => {
    for (const r of [
      await api.call('GET', '/api/v1/providers'),
      await api.call('GET', '/api/v1/providers', { token: null }),
      await api.call('GET', '/api/v1/nope'),
    ]) {
      assert.equal(r.headers.get('cache-control'), 'no-store');
      assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
      assert.equal(r.headers.get('x-frame-options'), 'DENY');
      assert.match(r.headers.get('content-security-policy') ?? '', /default-src 'none'/);
      assert.match(r.headers.get('content-type') ?? '', /^application\/json/);
    }
  });

  it('allows CORS only for a configured origin, and answers its preflight without a token', async () => {
    const pre = await api.call('OPTIONS', '/api/v1/providers', {
      token: null,
      headers: {
        origin: 'https://grafana.example.com',
        'access-control-request-method': 'PUT',
        'access-control-request-headers': 'authorization, content-type',
      },
    });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers.get('access-control-allow-origin'), 'https://grafana.example.com');
    assert.match(pre.headers.get('access-control-allow-headers') ?? '', /authorization/);
    const get = await api.call('GET', '/api/v1/providers', { headers: { origin: 'https://grafana.example.com' } });
    assert.equal(get.headers.get('access-control-allow-origin'), 'https://grafana.example.com');
    const other = await api.call('OPTIONS', '/api/v1/providers', {
      token: null,
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'PUT' },
    });
    assert.equal(other.headers.get('access-control-allow-origin'), null);
    assert.equal(other.status, 401, 'an unknown origin gets no preflight answer');
  });
});

describe('admin API without a token', () => {
  it('is off: every path answers 404, even with a bearer token', async () => {
    const api = await startApi({ config: { admin: {} } });
    try {
      for (const path of ['/api/v1/providers', '/api/v1/openapi.json', '/api/v1/budgets']) {
        const r = await api.call('GET', path);
        assert.equal(r.status, 404, path);
        assert.ok(ERROR_SHAPE('NOT_FOUND')(r.json), "ERROR_SHAPE('NOT_FOUND')(r.json)");
        assert.match(r.json.error.message, /disabled/);
      }
      assert.equal(
        (await api.call('PUT', '/api/v1/providers/openai/accounts/a', { body: { adminKey: 'sk-admin-x' } })).status,
        404
      );
      assert.equal(
        (await api.call('GET', '/healthz', { token: null })).status,
        200,
        'the rest of the server is unaffected'
      );
    } finally {
      await api.remove();
    }
  });

  it('refuses to start with a NEXUS_ADMIN_TOKEN that an Authorization header cannot carry', async () => {
    process.env.NEXUS_ADMIN_TOKEN = 'a token with spaces 0123456789';
    let started: Awaited<ReturnType<typeof startApi>> | Error;
    try {
      started = await startApi({ config: { admin: {} } }).catch((e: unknown) => e as Error);
    } finally {
      delete process.env.NEXUS_ADMIN_TOKEN;
    }
    if (!(started instanceof Error)) {
      await started.remove();
      assert.fail('started with a token that can never authenticate');
    }
    assert.match(started.message, /NEXUS_ADMIN_TOKEN must contain only letters, digits/);
  });

  it('takes NEXUS_ADMIN_TOKEN when the config file has none', async () => {
    process.env.NEXUS_ADMIN_TOKEN = `${TOKEN}-from-env`;
    const api = await startApi({ config: { admin: {} } });
    delete process.env.NEXUS_ADMIN_TOKEN;
    try {
      assert.equal((await api.call('GET', '/api/v1/providers', { token: `${TOKEN}-from-env` })).status, 200);
      assert.equal((await api.call('GET', '/api/v1/providers')).status, 401);
    } finally {
      await api.remove();
    }
  });
});

describe('rate limiting of wrong tokens', () => {
  it('answers 429 with Retry-After once an address reaches the limit, even to the right token', async () => {
    const api = await startApi({ config: { admin: { token: TOKEN, authFailuresPerMinute: 5 } } });
    try {
      for (let i = 0; i < 5; i++)
        assert.equal(
          (await api.call('GET', '/api/v1/providers', { token: `wrong-token-${i}-0123456789` })).status,
          401
        );
      for (const token of ['wrong-token-again-0123456789', TOKEN]) {
        const r = await api.call('GET', '/api/v1/providers', { token });
        assert.equal(r.status, 429);
        assert.ok(ERROR_SHAPE('RATE_LIMITED')(r.json), "ERROR_SHAPE('RATE_LIMITED')(r.json)");
        const wait = Number(r.headers.get('retry-after'));
        assert.ok(Number.isInteger(wait) && wait >= 1 && wait <= 60, `Retry-After ${wait}`);
      }
      assert.ok(
        api.logs.some((l) => /too many wrong tokens/.test(l)),
        'the block is logged once'
      );
    } finally {
      await api.remove();
    }
  });

  it('counts per address and forgets after the window (fake clock)', () => {
    let now = 0;
    const limiter = new FailureLimiter(3, 60_000, () => now);
    for (let i = 0; i < 2; i++) limiter.fail('a');
    assert.equal(limiter.retryAfter('a'), undefined, 'below the limit');
    assert.equal(limiter.fail('a'), true, 'the third failure reaches it');
    assert.equal(limiter.retryAfter('a'), 60);
    assert.equal(limiter.retryAfter('b'), undefined, 'other addresses are not affected');
    now = 59_001;
    assert.equal(limiter.retryAfter('a'), 1);
    now = 60_000;
    assert.equal(limiter.retryAfter('a'), undefined, 'the window ended');
    limiter.fail('a');
    assert.equal(limiter.retryAfter('a'), undefined, 'a new window starts from zero');
  });

  it('stays bounded under a flood of distinct addresses', () => {
    const limiter = new FailureLimiter(1, 60_000, () => 0, 100);
    for (let i = 0; i < 1000; i++) limiter.fail(`10.0.${i >> 8}.${i & 255}`);
    assert.ok(
      (limiter as unknown as { entries: Map<string, unknown> }).entries.size <= 100,
      '(limiter as unknown as { entries: Map<string, unknown> }).entries.size <= 100'
    );
    assert.equal(limiter.retryAfter('10.0.3.231'), 60, 'recent offenders are still blocked');
  });
});

describe('client address behind a trusted proxy (admin.trustedProxies)', () => {
  const wrong = (i: number) => `wrong-token-${i}-0123456789`;
  const from = (xff: string) => ({ headers: { 'x-forwarded-for': xff } });

  it('counts wrong tokens per browser behind Grafana, not per Grafana, when Grafana is trusted', async () => {
    const api = await startApi({
      config: { admin: { token: TOKEN, authFailuresPerMinute: 3, trustedProxies: ['127.0.0.1', '::1'] } },
    });
    try {
      // Grafana's proxy appends the browser's address to X-Forwarded-For (twice: its director and Go's ReverseProxy).
      for (let i = 0; i < 3; i++)
        assert.equal(
          (await api.call('GET', '/api/v1/providers', { token: wrong(i), ...from('203.0.113.7, 203.0.113.7') })).status,
          401
        );
      assert.equal(
        (await api.call('GET', '/api/v1/providers', from('203.0.113.7, 203.0.113.7'))).status,
        429,
        'that browser is blocked'
      );
      assert.equal(
        (await api.call('GET', '/api/v1/providers', from('198.51.100.9, 198.51.100.9'))).status,
        200,
        'another user is not'
      );
      assert.equal((await api.call('GET', '/api/v1/providers')).status, 200, 'nor Grafana itself');
      // A client cannot escape by choosing the leftmost address: the first untrusted hop from the right counts.
      assert.equal((await api.call('GET', '/api/v1/providers', from('192.0.2.1, 203.0.113.7'))).status, 429);
      assert.ok(
        api.logs.some((l) => l.includes('203.0.113.7')),
        "the blocked address is the browser's"
      );
    } finally {
      await api.remove();
    }
  });

  it('ignores X-Forwarded-For by default and from a peer that is not trusted', async () => {
    for (const trustedProxies of [[], ['10.0.0.0/8', 'fd00::/8']]) {
      const api = await startApi({ config: { admin: { token: TOKEN, authFailuresPerMinute: 3, trustedProxies } } });
      try {
        for (let i = 0; i < 3; i++)
          assert.equal(
            (await api.call('GET', '/api/v1/providers', { token: wrong(i), ...from(`203.0.113.${i}`) })).status,
            401
          );
        // Every client of the untrusted peer shares its address, whatever the header says.
        assert.equal(
          (await api.call('GET', '/api/v1/providers', from('198.51.100.9'))).status,
          429,
          JSON.stringify(trustedProxies)
        );
      } finally {
        await api.remove();
      }
    }
  });

  it('accepts IPs and CIDR ranges and names the key of anything else', () => {
    const parse = (trustedProxies: unknown) => configSchema.safeParse({ admin: { trustedProxies } });
    assert.equal(parse(['127.0.0.1', '10.0.0.0/8', '::1', 'fd00::/8', '172.16.0.0/12']).success, true);
    for (const bad of ['grafana', '10.0.0.0/33', '::1/129', '10.0.0.1/8/8', '300.1.1.1', '']) {
      const r = parse([bad]);
      assert.equal(r.success, false, bad);
      assert.deepEqual(r.error!.issues[0]!.path, ['admin', 'trustedProxies', 0]);
      assert.match(r.error!.issues[0]!.message, /IP address or a CIDR range/);
    }
  });
});

describe('constant-time comparison', () => {
  it('is equality, for strings of any length', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, b) => {
        assert.equal(constantTimeEqual(a, b), a === b);
        assert.equal(constantTimeEqual(a, a), true);
      })
    );
  });
});

describe('/metrics authentication', () => {
  it('requires the bearer token when metricsAuth is bearer', async () => {
    const secret = 'metrics-token-0123456789abcdef';
    const api = await startApi({ config: { metricsAuth: { type: 'bearer', token: secret } } });
    try {
      const none = await api.call('GET', '/metrics', { token: null });
      assert.equal(none.status, 401);
      assert.match(none.headers.get('www-authenticate') ?? '', /^Bearer/);
      assert.equal((await api.call('GET', '/metrics', { token: 'wrong-0123456789abcdef' })).status, 401);
      assert.equal(
        (await api.call('GET', '/metrics', { token: TOKEN })).status,
        401,
        'the admin token is not the metrics token'
      );
      const ok = await api.call('GET', '/metrics', { token: secret });
      assert.equal(ok.status, 200);
      assert.match(ok.text, /nexus_exporter_build_info/);
      assert.equal((await api.call('GET', '/healthz', { token: null })).status, 200, 'health probes stay open');
    } finally {
      await api.remove();
    }
  });

  it('requires basic auth when metricsAuth is basic', async () => {
    const api = await startApi({
      config: { metricsAuth: { type: 'basic', username: 'prometheus', password: 'scrape-password-42' } },
    });
    const basic = (u: string, p: string) => ({ authorization: `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}` });
    try {
      const none = await api.call('GET', '/metrics', { token: null });
      assert.equal(none.status, 401);
      assert.match(none.headers.get('www-authenticate') ?? '', /^Basic realm="nexus-metrics"/);
      assert.equal(
        (await api.call('GET', '/metrics', { token: null, headers: basic('prometheus', 'wrong-password') })).status,
        401
      );
      assert.equal(
        (await api.call('GET', '/metrics', { token: null, headers: basic('root', 'scrape-password-42') })).status,
        401
      );
      assert.equal(
        (await api.call('GET', '/metrics', { token: null, headers: basic('prometheus', 'scrape-password-42') })).status,
        200
      );
    } finally {
      await api.remove();
    }
  });

  it('is open when metricsAuth is not configured', async () => {
    const api = await startApi();
    try {
      assert.equal((await api.call('GET', '/metrics', { token: null })).status, 200);
    } finally {
      await api.remove();
    }
  });
});
