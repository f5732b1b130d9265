// Secrets never reach the logs: neither by key name nor inside a message or an error.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { createLogger, redact, registerSecret } from './log.js';

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
