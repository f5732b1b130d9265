// The example configuration shipped for users validates with `check-config` once its variables are
// set, and names every unset variable when they are not.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

const cli = fileURLToPath(new URL('../exporter/src/cli.ts', import.meta.url));
const example = fileURLToPath(new URL('../nexus.example.yaml', import.meta.url));
const vars = {
  OPENAI_ADMIN_KEY: 'sk-admin-example-000000000000',
  OPENROUTER_API_KEY: 'sk-or-v1-example-000000000000',
  EXA_SERVICE_KEY: 'exa-service-example-0000',
  TWILIO_ACCOUNT_SID: `AC${'0'.repeat(32)}`,
  TWILIO_AUTH_TOKEN: 'twilio-token-example-0000',
  APOLLO_MASTER_KEY: 'apollo-example-0000000000',
};
const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !(k in vars)));

describe('nexus.example.yaml', () => {
  it('is valid once its environment variables are set', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', cli, 'check-config', '--config', example], {
      encoding: 'utf8',
      env: { ...clean, ...vars },
    });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /configuration is valid \(5 provider accounts\)/);
  });

  it('names each unset variable with the key that needs it', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', cli, 'check-config', '--config', example], {
      encoding: 'utf8',
      env: clean,
    });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /providers\.openai\[0\]\.adminKey: environment variable OPENAI_ADMIN_KEY is not set/);
    assert.match(r.stderr, /providers\.twilio\[0\]\.authToken: environment variable TWILIO_AUTH_TOKEN is not set/);
    assert.doesNotMatch(r.stderr + r.stdout, /example-0000/);
  });
});
