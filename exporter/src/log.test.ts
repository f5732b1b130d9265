// Secrets never reach the logs: neither by key name nor inside a message or an error.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { createLogger, excerpt, forgetSecret, maskUrl, redact, registerSecret, urlSecrets } from './log.js';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString('utf8'));
      cb();
    },
  });
  return { lines, log: createLogger('debug', stream) };
}

describe('log redaction', () => {
  const secret = 'sk-admin-LOGTEST-9f8e7d6c5b4a3210';
  registerSecret(secret);

  it('masks registered secrets in messages, objects and errors', () => {
    const { lines, log } = capture();
    log.info(`calling with ${secret}`);
    log.warn({ detail: { url: `https://x/?key=${secret}` } }, 'nested');
    log.error({ err: new Error(`bad key ${secret}`) }, 'failed');
    log.error(new Error(`plain ${secret}`));
    const all = lines.join('');
    assert.equal(lines.length, 4);
    assert.doesNotMatch(all, /LOGTEST/);
    assert.match(all, /\[REDACTED\]/);
  });

  it('masks credential fields by name even when not registered', () => {
    const { lines, log } = capture();
    log.info({ account: { adminKey: 'sk-admin-unregistered-000000', authToken: 'tok-unregistered-1111' } }, 'config');
    assert.doesNotMatch(lines.join(''), /unregistered/);
  });

  it('redact() replaces every occurrence', () => {
    assert.equal(redact(`${secret}/${secret}`), '[REDACTED]/[REDACTED]');
  });
});

/** Every string in a parsed log line, keys included. */
function strings(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (v === null || typeof v !== 'object') return [];
  return Object.entries(v).flatMap(([k, x]) => [k, ...strings(x)]);
}

// Secrets from characters that "[REDACTED]" and the filler text never use, so any of them left in an
// output is part of a secret: JSON punctuation, escapes, digits, non-ASCII.
const SECRET_CHARS = [...'0123456789,":{}\\/-_=+.~!\'$%&*;<>?@^`|', 'é', 'ß', '😀', '\u2028', '\n', '\t'];
const FILLER_CHARS = [...'abcdefghijklmnopqrstuvwxyz '];
const secretString = (minLength: number) =>
  fc.string({ unit: fc.constantFrom(...SECRET_CHARS), minLength, maxLength: 40 });
const filler = fc.string({ unit: fc.constantFrom(...FILLER_CHARS), maxLength: 30 });

/**
 * A text of filler and secret segments. Each segment is registered either whole or as two secrets that
 * overlap inside it (neither covers it alone), the case where masking one secret at a time shows the
 * rest of the other.
 */
const textWithSecrets = fc
  .array(fc.tuple(filler, secretString(12), fc.nat(), fc.nat(), fc.boolean()), { minLength: 1, maxLength: 5 })
  .map((parts) => {
    const registered: string[] = [];
    let text = '';
    for (const [pad, segment, a, b, whole] of parts) {
      text += pad + segment;
      if (whole) {
        registered.push(segment);
        continue;
      }
      const i = 1 + (a % (segment.length - 6)); // the second starts at i (at least 6 long)
      const lo = Math.max(6, i + 1);
      const j = lo + (b % (segment.length - lo)); // the first ends at j, after i
      registered.push(segment.slice(0, j), segment.slice(i));
    }
    return { text, registered };
  });

/** What is left of an output once the masks (and a mask cut at the end) are taken out. */
function unmasked(out: string): string {
  let rest = out.replace(/…$/, '').split('[REDACTED]').join('');
  for (let n = '[REDACTED]'.length - 1; n > 0; n--) {
    if (rest.endsWith('[REDACTED]'.slice(0, n))) {
      rest = rest.slice(0, -n);
      break;
    }
  }
  return rest;
}

describe('redaction never throws and never shows part of a secret (property-based)', () => {
  it('a credential made of JSON punctuation does not break the log', () => {
    const secret = ',"failures":';
    registerSecret(secret);
    try {
      const { lines, log } = capture();
      log.warn(
        { reason: 'auth', failures: 3, circuitOpen: false, nested: { list: [secret, `x${secret}y`] } },
        `poll failed${secret}`
      );
      log.info({ [secret]: 1, err: new Error(`bad ${secret}`) }, 'keys too');
      assert.equal(lines.length, 2);
      for (const line of lines) {
        const parsed = JSON.parse(line) as Record<string, unknown>;
        assert.ok(
          strings(parsed).every((s) => !s.includes(secret)),
          line
        );
      }
      assert.equal((JSON.parse(lines[0]!) as { failures: number }).failures, 3, 'the structure is kept');
    } finally {
      forgetSecret(secret);
    }
  });

  it('logs any object holding arbitrary secrets as valid JSON without them', () => {
    fc.assert(
      fc.property(
        fc.array(secretString(6), { minLength: 1, maxLength: 4 }),
        fc.jsonValue(),
        fc.nat(),
        (secrets, extra, pick) => {
          for (const s of secrets) registerSecret(s);
          try {
            const s = secrets[pick % secrets.length]!;
            const cyclic: Record<string, unknown> = { s };
            cyclic.self = cyclic;
            const { lines, log } = capture();
            log.warn(
              {
                extra,
                value: `a${s}b`,
                [s]: [s, { deep: { deeper: s } }],
                err: new Error(s),
                cyclic,
                when: new Date(0),
                url: new URL(`http://h/?k=${encodeURIComponent(s)}`),
              },
              s
            );
            log.error(new Error(`${s}${s}`));
            log.info(s);
            assert.equal(lines.length, 3);
            for (const line of lines) {
              const all = strings(JSON.parse(line));
              for (const secret of secrets)
                assert.ok(
                  all.every((x) => !x.includes(secret)),
                  `${JSON.stringify(secret)} in ${line}`
                );
            }
          } finally {
            for (const s of secrets) forgetSecret(s);
          }
        }
      ),
      { numRuns: 200 }
    );
  });

  it('masks overlapping secrets whole, and redacts before cutting an excerpt', () => {
    fc.assert(
      fc.property(textWithSecrets, fc.nat(), ({ text, registered }, cut) => {
        for (const s of registered) registerSecret(s);
        try {
          const max = cut % (text.length + 12);
          for (const out of [redact(text), excerpt(text, max)]) {
            const left = unmasked(out);
            assert.ok(
              [...left].every((c) => FILLER_CHARS.includes(c)),
              `part of a secret shows in ${JSON.stringify(out)} (from ${JSON.stringify(text)}, max ${max})`
            );
          }
          assert.ok(excerpt(text, max).length <= max + 1, 'excerpt(text, max).length <= max + 1');
        } finally {
          for (const s of registered) forgetSecret(s);
        }
      }),
      { numRuns: 500 }
    );
  });
});

describe('credentials in URLs', () => {
  it('finds the userinfo and query values, encoded and decoded', () => {
    const found = urlSecrets('https://proxy-user:p%40ss-w0rd!@proxy.example.com:8443/v1?api-key=abc%2Bdef123&x=1#frag');
    for (const s of [
      'proxy-user:p%40ss-w0rd!',
      'proxy-user',
      'p%40ss-w0rd!',
      'p@ss-w0rd!',
      'abc%2Bdef123',
      'abc+def123',
      '1',
    ])
      assert.ok(found.includes(s), `${s} in ${found.join(' ')}`);
    assert.ok(!found.some((s) => s.includes('proxy.example.com')), 'the host is not a secret');
    assert.deepEqual(urlSecrets('https://api.openai.com/v1'), []);
    assert.deepEqual(urlSecrets('not a url'), []);
  });

  it('masks them for display and leaves everything else as it was', () => {
    assert.equal(
      maskUrl('https://u:p@h.example/v1?key=s3cret&b=2#x'),
      'https://[REDACTED]@h.example/v1?key=[REDACTED]&b=[REDACTED]#x'
    );
    assert.equal(maskUrl('https://api.openai.com/v1'), 'https://api.openai.com/v1');
    assert.equal(maskUrl('http://[::1]:9/v1'), 'http://[::1]:9/v1');
  });
});
