// The plugin in a real browser (Debian's Chromium through playwright-core) against the real exporter
// and its provider simulators. The harness (harness/) renders the plugin's own pages; its server plays
// Grafana (settings API, the `exporter` proxy route). Flow: configure the app, check the connection
// (wrong token first), add an OpenAI account on the Providers page (wrong key first, then the
// simulator's), see it turn Up, set a budget. Screenshots go to ../../test-artifacts/ (gitignored).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { configSchema, type ExporterConfig } from '../../exporter/src/config/schema.ts';
import { createLogger } from '../../exporter/src/log.ts';
import { runExporter, type RunningExporter } from '../../exporter/src/server/listen.ts';
import { startDemoSimulators, type DemoSimulators } from '../../exporter/src/simulators/demo.ts';
import { buildHarness } from './harness/build.mts';
import { startHarnessServer, type HarnessServer } from './harness/server.mts';

const here = path.dirname(fileURLToPath(import.meta.url));
const ARTIFACTS = path.resolve(here, '..', '..', 'test-artifacts');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ID = 'nexus-apimonitor-app';

const TOKEN = `browser-admin-${randomBytes(12).toString('hex')}`;
const WRONG_TOKEN = `browser-wrong-${randomBytes(12).toString('hex')}`;
const WRONG_KEY = 'sk-admin-wrong-key-9999999999999999';

// The test decides the token and the key; a developer's shell must not change the outcome.
delete process.env.NEXUS_ADMIN_TOKEN;
delete process.env.NEXUS_MASTER_KEY_FILE;

describe('plugin in Chromium against the exporter and simulators', { timeout: 120_000 }, () => {
  let sims: DemoSimulators;
  let exporter: RunningExporter;
  let harness: HarnessServer;
  let browser: Browser;
  let page: Page;
  let stateDir: string;
  let openai: { adminKey: string; baseUrl: string };
  /** Every response body the browser received from /api, to check no secret comes back. */
  const responses: string[] = [];
  const authHeaders: string[] = [];

  const shot = async (name: string) => page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
  const goto = async (p: string, theme = 'dark') => {
    await page.goto(`${harness.url}${p}?theme=${theme}`);
    await page.waitForSelector('body[data-harness-ready="true"]');
  };
  const api = async (p: string) => {
    const res = await fetch(`${exporter.url}/api/v1${p}`, { headers: { authorization: `Bearer ${TOKEN}` } });
    return res.json();
  };

  before(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    const [buildDir] = await Promise.all([buildHarness().then(path.dirname), (async () => {})()]);
    sims = await startDemoSimulators(10);
    const demo = sims.providers.openai![0] as { adminKey: string; baseUrl: string };
    openai = { adminKey: demo.adminKey, baseUrl: demo.baseUrl };
    stateDir = await mkdtemp(path.join(tmpdir(), 'nexus-browser-'));
    const config = configSchema.parse({
      listen: '127.0.0.1:0',
      stateDir,
      admin: { token: TOKEN },
      polling: { jitter: 0 },
      http: { timeoutSeconds: 5, retries: 0, backoffSeconds: 0.01 },
    }) as ExporterConfig;
    exporter = await runExporter(config, { log: createLogger('error'), masterKey: randomBytes(32).toString('hex') });
    harness = await startHarnessServer(buildDir, [{ uid: 'prometheus', name: 'Prometheus' }]);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('request', (r) => {
      const auth = r.headers().authorization;
      if (auth) authHeaders.push(`${r.method()} ${r.url()}: ${auth}`);
    });
    page.on('response', async (r) => {
      if (new URL(r.url()).pathname.startsWith('/api/')) {
        responses.push(await r.text().catch(() => ''));
      }
    });
  });

  after(async () => {
    await browser?.close();
    await harness?.close();
    await exporter?.close();
    await sims?.stop();
    if (stateDir) await rm(stateDir, { recursive: true, force: true });
  });

  it('configuration page: saves the settings, reports a wrong token, then connects', async () => {
    await goto(`/plugins/${ID}`);
    const check = page.getByRole('button', { name: 'Test connection' });
    assert.equal(await check.isDisabled(), true, 'the check needs saved settings');

    await page.locator('#nexus-exporter-url').fill(exporter.url);
    await page.locator('#nexus-exporter-token').fill(WRONG_TOKEN);
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.waitForSelector('input[value="configured"]'); // reloaded: the token is only "configured"
    assert.deepEqual(harness.settingsPosts.at(-1), {
      enabled: true,
      pinned: true,
      jsonData: { exporterUrl: exporter.url },
      secureJsonData: { exporterToken: WRONG_TOKEN },
    });

    await page.getByRole('button', { name: 'Test connection' }).click();
    await page.getByText('Admin token rejected').waitFor();
    await shot('config-token-rejected-dark');

    await page.getByRole('button', { name: 'Reset' }).click();
    await page.locator('#nexus-exporter-token').fill(TOKEN);
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.waitForSelector('input[value="configured"]');
    await page.getByRole('button', { name: 'Test connection' }).click();
    await page.getByText('Exporter connected').waitFor();
    await page.getByText(/No provider accounts are configured yet/).waitFor();
    await shot('config-connected-dark');
  });

  it('providers page: a wrong key fails the test, the right one is added and turns Up', async () => {
    await goto(`/a/${ID}/providers`);
    await page.getByText(/No provider accounts yet/).waitFor();
    await page.getByRole('button', { name: 'Add OpenAI account' }).click();
    const form = page.getByRole('form', { name: 'New OpenAI account' });
    await form.getByLabel(/^Account name/).fill('browser');
    await form.getByLabel(/^Admin key/).fill(WRONG_KEY);
    await form.getByLabel(/^Base URL/).fill(openai.baseUrl);
    await form.getByLabel(/^Poll interval/).fill('10');

    await form.getByRole('button', { name: 'Test connection' }).click();
    await form.getByText('Connection failed: The provider rejected the credentials').waitFor();
    await shot('providers-test-failed-dark');

    await form.getByLabel(/^Admin key/).fill(openai.adminKey);
    await form.getByRole('button', { name: 'Test connection' }).click();
    await form.getByText(/^Connection OK \(\d+ ms\)$/).waitFor();
    await form.getByRole('button', { name: 'Add account' }).click();

    const card = page.getByTestId(`data-testid nexus-account-openai-browser`);
    await card.waitFor();
    const status = page.getByTestId(`data-testid nexus-account-status-openai-browser`);
    // The first poll starts at once; Refresh instead of waiting for the page's 10 s auto-refresh.
    for (let i = 0; i < 60 && (await status.innerText()).trim() !== 'Up'; i++) {
      await page.waitForTimeout(500);
      await page.getByRole('button', { name: 'Refresh' }).click();
    }
    assert.equal((await status.innerText()).trim(), 'Up');
    await card.getByText(`Admin key: …${openai.adminKey.slice(-4)}`).waitFor();
    await card.getByText(/Last success/).waitFor();
    await shot('providers-up-dark');
    await goto(`/a/${ID}/providers`, 'light');
    await page.getByTestId(`data-testid nexus-account-status-openai-browser`).getByText('Up').waitFor();
    await shot('providers-up-light');

    const account = await api('/providers/openai/accounts/browser');
    assert.equal(account.up, true);
    assert.equal(account.source, 'api');
    assert.equal(account.baseUrl, openai.baseUrl);
    assert.equal(account.pollIntervalSeconds, 10);
    const metrics = await (await fetch(`${exporter.url}/metrics`)).text();
    assert.match(metrics, /nexus_provider_up\{provider="openai",account="browser"\} 1/);
  });

  it('budgets page: sets a monthly budget for the new account', async () => {
    await goto(`/a/${ID}/budgets`);
    await page.getByText(/No budgets yet/).waitFor();
    await page.getByRole('button', { name: 'Add budget' }).click();
    await page.getByLabel(/^Amount \(USD\)/).fill('250');
    await page.getByRole('button', { name: 'Save budgets' }).click();
    await page.getByText('Budgets saved').waitFor();
    await shot('budgets-dark');
    assert.deepEqual((await api('/budgets')).budgets, [
      { provider: 'openai', account: 'browser', period: 'month', amountUsd: 250, source: 'api' },
    ]);
  });

  it('alerts page renders the shipped rules', async () => {
    await goto(`/a/${ID}/alerts`, 'light');
    await page.getByText('Grafana Alerting: alert rules').waitFor();
    assert.ok((await page.getByText(/^Nexus[A-Za-z]+$/).count()) > 0, 'rule names are listed');
    await shot('alerts-light');
  });

  it('no secret ever reached the browser, and the browser sent no Authorization header', () => {
    assert.ok(responses.length > 5, 'API responses were recorded');
    for (const secret of [TOKEN, WRONG_TOKEN, openai.adminKey, WRONG_KEY]) {
      assert.equal(
        responses.filter((r) => r.includes(secret)).length,
        0,
        `a response contained ${secret.slice(0, 12)}…`
      );
    }
    assert.deepEqual(authHeaders, []);
    assert.ok(
      harness.proxied.some((r) => r.method === 'PUT' && r.path === '/api/v1/providers/openai/accounts/browser')
    );
  });
});
