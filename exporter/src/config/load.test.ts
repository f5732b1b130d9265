// Config loading: every testdata/*.bad.yaml names the exact lines its error must contain
// (`# expect:` comments); *.ok.yaml files must load.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { MAX_TIMER_MS } from '../timers.js';
import { ConfigError, loadConfigFile, parseConfig } from './load.js';
import { otlpPush } from './otlp.js';
import { configSchema } from './schema.js';

const dir = fileURLToPath(new URL('./testdata/', import.meta.url));
const files = readdirSync(dir);
const env = { OPENAI_ADMIN_KEY: 'sk-admin-from-env-1234' };

describe('config files', () => {
  for (const file of files.filter((f) => f.endsWith('.bad.yaml'))) {
    it(`rejects ${file} with the documented message`, async () => {
      const expected = [...readFileSync(join(dir, file), 'utf8').matchAll(/^# expect: (.+)$/gm)].map((m) => m[1]!);
      assert.ok(expected.length > 0, `${file} has no # expect: line`);
      await assert.rejects(loadConfigFile(join(dir, file), env), (e: unknown) => {
        assert.ok(e instanceof ConfigError, 'e instanceof ConfigError');
        for (const line of expected) {
          assert.ok(
            e.problems.some((p) => p.startsWith(line)),
            `expected a problem starting with "${line}", got:\n${e.problems.join('\n')}`
          );
        }
        return true;
      });
    });
  }

  for (const file of files.filter((f) => f.endsWith('.ok.yaml'))) {
    it(`accepts ${file}`, async () => {
      const cfg = await loadConfigFile(join(dir, file), env);
      assert.equal(cfg.providers.openai?.[0]?.adminKey, 'sk-admin-from-env-1234');
    });
  }
});

describe('config semantics', () => {
  it('applies documented defaults', () => {
    const cfg = parseConfig('providers:\n  openai:\n    - { account: a, adminKey: sk-admin-a }\n', 'inline', {});
    assert.equal(cfg.listen, '127.0.0.1:9464');
    assert.equal(cfg.stateDir, './data');
    const a = cfg.providers.openai![0]!;
    assert.equal(a.baseUrl, 'https://api.openai.com/v1');
    assert.equal(a.pollIntervalSeconds, 300);
    assert.equal(a.enabled, true);
    assert.equal(cfg.http.timeoutSeconds, 30);
    assert.equal(cfg.limits.maxValuesPerLabel, 100);
    assert.equal(cfg.otlp, undefined);
  });

  it('substitutes ${VAR:-default} and keeps $${literal}', () => {
    const cfg = parseConfig('stateDir: ${NEXUS_TEST_DIR:-/var/lib/nexus}\n', 'inline', {});
    assert.equal(cfg.stateDir, '/var/lib/nexus');
    assert.equal(parseConfig('stateDir: "/tmp/$${x}"\n', 'inline', {}).stateDir, '/tmp/${x}');
    assert.equal(parseConfig('stateDir: ${NEXUS_TEST_DIR:-/x}\n', 'inline', { NEXUS_TEST_DIR: '/y' }).stateDir, '/y');
    // `$${x}` is the escape for a literal `${x}`, which the listen check then rejects by name.
    assert.throws(() => parseConfig('listen: "$${x}"\n', 'inline', {}), /listen: must be host:port/);
  });

  it('reports every problem at once, each with its key path', () => {
    try {
      parseConfig('listen: nope\nlogLevel: loud\nproviders:\n  openai:\n    - { account: "bad name" }\n', 'inline', {});
      assert.fail('should throw');
    } catch (e) {
      assert.ok(e instanceof ConfigError, 'e instanceof ConfigError');
      assert.ok(e.problems.length >= 4, e.problems.join('\n'));
      assert.match(e.message, /listen: /);
      assert.match(e.message, /logLevel: must be one of/);
      assert.match(e.message, /providers\.openai\[0\]\.account: must be 1-63/);
      assert.match(e.message, /providers\.openai\[0\]\.adminKey: is required/);
    }
  });

  it('does not echo a secret value in an error message', () => {
    try {
      parseConfig(
        'providers:\n  openai:\n    - { account: a, adminKey: "sk-admin-SECRET123 ", baseUrl: nope }\n',
        'inline',
        {}
      );
      assert.fail('should throw');
    } catch (e) {
      assert.doesNotMatch((e as Error).message, /SECRET123/);
    }
  });
});

describe('OTLP push protocol', () => {
  const push = (yaml: string, environment: NodeJS.ProcessEnv = {}) =>
    otlpPush(parseConfig(yaml, 'inline', environment).otlp, environment);
  const section = 'otlp: { endpoint: "http://127.0.0.1:4318/v1/metrics" }\n';

  it('is http/protobuf unless otlp.protocol or the standard variables say otherwise, the key first', () => {
    assert.equal(push(section)?.protocol, 'http/protobuf');
    assert.equal(push('otlp: { protocol: http/json }\n')?.protocol, 'http/json');
    assert.equal(push(section, { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' })?.protocol, 'http/json');
    assert.equal(
      push(section, { OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: 'http/json', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' })
        ?.protocol,
      'http/json'
    );
    assert.equal(
      push(section, { OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: 'http/protobuf', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' })
        ?.protocol,
      'http/protobuf'
    );
    assert.equal(
      push(section, { OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: ' ', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' })?.protocol,
      'http/json',
      'blank is unset'
    );
    // The key wins over the variables, even one the exporter could not use.
    assert.equal(
      push('otlp: { protocol: http/protobuf }\n', { OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: 'grpc' })?.protocol,
      'http/protobuf'
    );
  });

  it("is on with an otlp section or an endpoint variable, with the section's settings or the defaults", () => {
    assert.equal(push(''), undefined);
    assert.equal(push('', { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_EXPORTER_OTLP_ENDPOINT: '' }), undefined);
    assert.deepEqual(push('', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }), {
      intervalSeconds: 60,
      protocol: 'http/protobuf',
    });
    assert.deepEqual(
      push('', {
        OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'http://collector:4318/v1/metrics',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      }),
      { intervalSeconds: 60, protocol: 'http/json' }
    );
    assert.deepEqual(push('otlp: { intervalSeconds: 15, headers: { x-tenant: t1 } }\n'), {
      intervalSeconds: 15,
      headers: { 'x-tenant': 't1' },
      protocol: 'http/protobuf',
    });
  });

  it('refuses grpc and unknown protocols, naming the key or the variable', () => {
    const problems = (yaml: string, environment: NodeJS.ProcessEnv = {}) => {
      try {
        parseConfig(yaml, 'inline', environment);
      } catch (e) {
        assert.ok(e instanceof ConfigError, 'e instanceof ConfigError');
        return e.problems;
      }
      return [];
    };
    assert.deepEqual(problems('otlp: { protocol: grpc }\n'), [
      'otlp.protocol: grpc is not supported: use http/protobuf (the default) or http/json, which an OpenTelemetry Collector receives on its HTTP port (4318)',
    ]);
    assert.deepEqual(problems('otlp: { protocol: http/xml }\n'), [
      'otlp.protocol: must be one of "http/protobuf", "http/json"',
    ]);
    assert.deepEqual(problems('otlp: { protocol: 1 }\n'), [
      'otlp.protocol: must be one of "http/protobuf", "http/json"',
    ]);
    assert.match(
      problems(section, { OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: 'grpc' }).join('\n'),
      /^OTEL_EXPORTER_OTLP_METRICS_PROTOCOL \(environment variable\): grpc is not supported/
    );
    assert.match(
      problems('', {
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4317',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/proto',
      }).join('\n'),
      /^OTEL_EXPORTER_OTLP_PROTOCOL \(environment variable\): must be one of/
    );
    // A variable meant for other programs is not an error while the exporter does not push.
    assert.deepEqual(problems('', { OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }), []);
  });
});

describe('check-config command', () => {
  const cli = fileURLToPath(new URL('../cli.ts', import.meta.url));
  const run = (...args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', cli, ...args], {
      encoding: 'utf8',
      env: { ...process.env, ...env },
    });

  it('exits 0 for a valid file', () => {
    const r = run('check-config', '--config', join(dir, 'full.ok.yaml'));
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /configuration is valid \(1 provider account\)/);
  });

  it('exits non-zero and lists the problems for an invalid file', () => {
    const r = run('check-config', '--config', join(dir, 'budget-period.bad.yaml'));
    assert.equal(r.status, 1);
    assert.match(r.stderr, /budgets\[0\]\.period: must be one of "day", "month"/);
    assert.match(r.stderr, /budgets\[0\]\.amountUsd: must be greater than 0/);
  });

  it('exits non-zero when an OTEL_EXPORTER_OTLP_* variable asks for grpc, naming it', () => {
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', cli, 'check-config', '--config', join(dir, 'receiver.ok.yaml')],
      {
        encoding: 'utf8',
        env: {
          ...process.env,
          ...env,
          OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4317',
          OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
          OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: '',
        },
      }
    );
    assert.equal(r.status, 1, r.stdout);
    assert.match(r.stderr, /OTEL_EXPORTER_OTLP_PROTOCOL \(environment variable\): grpc is not supported/);
  });

  it('exits non-zero for a missing file and an unknown command', () => {
    assert.equal(run('check-config', '--config', join(dir, 'nope.yaml')).status, 1);
    assert.match(run('check-config', '--config', join(dir, 'nope.yaml')).stderr, /file not found/);
    assert.equal(run('frobnicate').status, 2);
  });
});

describe('config bounds', () => {
  /** Every `…Seconds` and `…Days` key of the schema (provider accounts included), with its maximum. */
  function durations(): Array<{ key: string; maximum: unknown }> {
    const out: Array<{ key: string; maximum: unknown }> = [];
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const walk = (s: Record<string, any>, path: string) => {
      for (const [k, v] of Object.entries(s.properties ?? {})) {
        if (/(Seconds|Days)$/.test(k)) out.push({ key: `${path}${k}`, maximum: (v as { maximum?: unknown }).maximum });
        walk(v as Record<string, unknown>, `${path}${k}.`);
      }
      if (s.items) walk(s.items, path.replace(/\.$/, '[].'));
      for (const sub of [...(s.anyOf ?? []), ...(s.oneOf ?? [])]) walk(sub, path);
    };
    walk(z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>, '');
    return out;
  }

  it('gives every duration a maximum that a timer can wait', () => {
    const found = durations();
    assert.ok(
      found.some((d) => d.key === 'otlp.intervalSeconds') &&
        found.some((d) => d.key === 'providers.openai[].pollIntervalSeconds'),
      found.map((d) => d.key).join(', ')
    );
    for (const { key, maximum } of found) {
      assert.equal(typeof maximum, 'number', `${key} has no maximum`);
      // Days are look-back windows, inside the providers' retention; seconds are waits.
      if (key.endsWith('Days')) assert.ok((maximum as number) <= 31, `${key}: a maximum of ${String(maximum)} days`);
      else
        assert.ok(
          (maximum as number) * 1000 <= MAX_TIMER_MS,
          `${key}: a maximum of ${String(maximum)} s overflows a timer`
        );
    }
  });

  it('names the key of a duration that is too long', () => {
    assert.throws(
      () =>
        parseConfig('otlp: { intervalSeconds: 2592000 }\npolling: { breakerCooldownSeconds: 1e12 }\n', 'inline', {}),
      (e: unknown) => {
        assert.ok(e instanceof ConfigError, 'e instanceof ConfigError');
        assert.ok(
          e.problems.some((p) => p.startsWith('otlp.intervalSeconds: Too big')),
          e.message
        );
        assert.ok(
          e.problems.some((p) => p.startsWith('polling.breakerCooldownSeconds: Too big')),
          e.message
        );
        return true;
      }
    );
  });
});

describe('tokens an HTTP header can carry', () => {
  const problems = (yaml: string) => {
    try {
      parseConfig(yaml, 'inline', {});
      return [];
    } catch (e) {
      assert.ok(e instanceof ConfigError, String(e));
      return e.problems;
    }
  };

  it('refuses a bearer token with a space or a character outside token68, naming the key and never the value', () => {
    for (const token of [
      'has a space-0123456789',
      'quote"in-the-token-0123',
      'tab\tin-the-token-01234',
      'non-ascii-tökén-0123456',
      'padding=in-the-middle-0123',
      'comma,separated-token-0123',
    ]) {
      const json = JSON.stringify(token);
      const admin = problems(`admin: { token: ${json} }\n`);
      assert.deepEqual(
        admin.map((p) => p.split(':')[0]),
        ['admin.token'],
        `${token}: ${admin.join('; ')}`
      );
      assert.match(admin[0]!, /HTTP Authorization header/);
      const metrics = problems(`metricsAuth: { type: bearer, token: ${json} }\n`);
      assert.ok(
        metrics.some((p) => p.startsWith('metricsAuth.token: must contain only')),
        `${token}: ${metrics.join('; ')}`
      );
      assert.ok(
        [...admin, ...metrics].every((p) => !p.includes(token)),
        'the token is never echoed'
      );
    }
    for (const token of ['0123456789abcdef0123456789abcdef', 'abc.DEF_ghi~jkl+mno/pqr-stu', 'base64+token/with==']) {
      assert.deepEqual(
        problems(
          `admin: { token: ${JSON.stringify(token)} }\nmetricsAuth: { type: bearer, token: ${JSON.stringify(token)} }\n`
        ),
        [],
        token
      );
    }
  });

  it('refuses a basic-auth user name with a colon and control characters in either part', () => {
    assert.ok(
      problems('metricsAuth: { type: basic, username: "a:b", password: "long-enough-password" }\n').some((p) =>
        p.startsWith('metricsAuth.username: must not contain ":"')
      ),
      'problems(\'metricsAuth: { type: basic, username: "a:b", password: "long-enough-password" }\\n\').some((p) => p.startsWith(\'metricsAuth.username: must not contain ":"\'))'
    );
    assert.ok(
      problems('metricsAuth: { type: basic, username: "prometheus", password: "bad\\npassword!" }\n').some((p) =>
        p.startsWith('metricsAuth.password: must not contain control characters')
      ),
      'problems(\'metricsAuth: { type: basic, username: "prometheus", password: "bad\\\\npassword!" }\\n\').some((p) => p.startsWith(\'metricsAuth.password: must not contain control characters\'))'
    );
    assert.deepEqual(
      problems('metricsAuth: { type: basic, username: "prometheus", password: "any printable: pässword!" }\n'),
      []
    );
  });
});
