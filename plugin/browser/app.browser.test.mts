// The built plugin (dist/) in Debian's Chromium (playwright-core, no browser download), loaded by the
// Grafana test host (host/): Grafana's SystemJS loader and shared packages of each Grafana version under
// test, Grafana's plugin proxy with its route matching, against the real exporter with the demo
// provider simulators and a real Prometheus scraping it. One exporter, one Prometheus, one host server
// and one browser for the whole run; each Grafana version starts from an unconfigured app.
//
// NEXUS_GRAFANA_VERSIONS=12.4 (a comma-separated list) runs only those versions.
//
// Screenshots of every page, dark and light, go to ../../test-artifacts/host/<version>/; with
// NEXUS_UPDATE_SCREENSHOTS=1 the Grafana 13.1 ones also replace src/img/screenshots/ (the plugin
// catalog's screenshots, listed in src/plugin.json).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type ConsoleMessage, type Page } from 'playwright-core';
import { configSchema, type ExporterConfig } from '../../exporter/src/config/schema.ts';
import { createLogger } from '../../exporter/src/log.ts';
import { runExporter, type RunningExporter } from '../../exporter/src/server/listen.ts';
import { startDemoSimulators, type DemoSimulators } from '../../exporter/src/simulators/demo.ts';
import { smallTmpfs } from '../../exporter/src/testing/harness.ts';
import { Daemon, binaries, freePort, waitFor } from '../../tests/lib/procs.ts';
import { GRAFANA_VERSIONS } from './host/build.mts';
import { startGrafanaHost, type GrafanaHost } from './host/server.mts';

const here = path.dirname(fileURLToPath(import.meta.url));
const DIST = path.resolve(here, '..', 'dist');
const ARTIFACTS = path.resolve(here, '..', '..', 'test-artifacts', 'host');
const SCREENSHOTS = path.resolve(here, '..', 'src', 'img', 'screenshots');
const UPDATE_SCREENSHOTS = process.env.NEXUS_UPDATE_SCREENSHOTS === '1';
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ONLY = process.env.NEXUS_GRAFANA_VERSIONS?.split(',');
const VERSIONS = GRAFANA_VERSIONS.filter((v) => !ONLY || ONLY.includes(v.name));
const ID = 'nexus-apimonitor-app';

const TOKEN = `browser-admin-${randomBytes(12).toString('hex')}`;
const WRONG_TOKEN = `browser-wrong-${randomBytes(12).toString('hex')}`;
const WRONG_KEY = `sk-admin-wrong-${randomBytes(8).toString('hex')}`;

// The test decides the token and the key; a developer's shell must not change the outcome.
delete process.env.NEXUS_ADMIN_TOKEN;
delete process.env.NEXUS_MASTER_KEY_FILE;

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Console output Chromium writes for an HTTP error answer (not the app's console.error). */
const FAILED_RESOURCE = /^Failed to load resource: the server responded with a status of (\d{3})/;

describe('the built plugin in Grafana (test host) against the exporter', { timeout: 900_000 }, () => {
  let sims: DemoSimulators;
  let exporter: RunningExporter;
  let prometheus: Daemon;
  let host: GrafanaHost;
  let browser: Browser;
  let workDir: string;
  /** The exporter's state directory on a small tmpfs of its own, so a test can fill it; absent when not root. */
  let stateDisk: { path: string; remove(): Promise<void> } | undefined;
  let noStateDisk = '';
  let openai: { adminKey: string; baseUrl: string };
  let promUrl: string;
  /** Every /api response body the browser received, to check no secret comes back. */
  const responses: string[] = [];
  const authHeaders: string[] = [];

  const exporterApi = async (method: string, p: string, body?: unknown) => {
    const res = await fetch(`${exporter.url}/api/v1${p}`, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    return res.status === 204 ? undefined : res.json();
  };

  before(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    workDir = await mkdtemp(path.join(tmpdir(), 'nexus-host-'));
    sims = await startDemoSimulators();
    const demo = sims.providers.openai![0] as { adminKey: string; baseUrl: string };
    openai = { adminKey: demo.adminKey, baseUrl: demo.baseUrl };
    const disk = await smallTmpfs(16 * 1024);
    if ('skip' in disk) {
      noStateDisk = disk.skip;
    } else {
      stateDisk = disk;
    }
    const config = configSchema.parse({
      listen: '127.0.0.1:0',
      stateDir: path.join(stateDisk?.path ?? workDir, 'state'),
      providers: sims.providers,
      admin: { token: TOKEN, trustedProxies: ['127.0.0.1'] },
      polling: { jitter: 0 },
      http: { timeoutSeconds: 5, retries: 0, backoffSeconds: 0.01 },
    }) as ExporterConfig;
    exporter = await runExporter(config, { log: createLogger('error'), masterKey: randomBytes(32).toString('hex') });

    const port = await freePort();
    const promDir = path.join(workDir, 'prometheus');
    await mkdir(promDir, { recursive: true });
    await writeFile(
      path.join(promDir, 'prometheus.yml'),
      JSON.stringify({
        global: { scrape_interval: '1s', evaluation_interval: '1s' },
        scrape_configs: [{ job_name: 'nexus', static_configs: [{ targets: [new URL(exporter.url).host] }] }],
      })
    );
    prometheus = Daemon.start(
      'prometheus',
      binaries.prometheus(),
      [
        `--config.file=${path.join(promDir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${path.join(promDir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=warn',
      ],
      path.join(workDir, 'prometheus.log')
    );
    promUrl = `http://127.0.0.1:${port}`;
    await waitFor(
      'Prometheus to have the exporter spend',
      async () => {
        const r = (await (await fetch(`${promUrl}/api/v1/query?query=count(nexus_spend_usd)`)).json()) as {
          data?: { result: unknown[] };
        };
        return (r.data?.result.length ?? 0) > 0;
      },
      { timeoutMs: 90_000, describe: () => prometheus.tail() }
    );

    host = await startGrafanaHost({
      distDir: DIST,
      datasources: [{ uid: 'prometheus', name: 'Prometheus', type: 'prometheus', url: promUrl }],
    });
    // launch() gives Chromium a fresh temporary --user-data-dir of its own (it refuses one in `args`).
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  });

  after(async () => {
    await browser?.close();
    await host?.close();
    await prometheus?.stop();
    await exporter?.close();
    await sims?.stop();
    await stateDisk?.remove();
    if (workDir) {
      await rm(workDir, { recursive: true, force: true });
    }
  });

  for (const grafana of VERSIONS) {
    describe(`Grafana ${grafana.name} (@grafana/* ${grafana.version})`, () => {
      const account = `browser-${grafana.name.replace('.', '-')}`;
      let context: BrowserContext;
      let page: Page;
      const pageErrors: string[] = [];
      const consoleErrors: Array<{ text: string; url: string }> = [];

      const url = (p: string) => `${host.url}${p}`;
      const goto = async (p: string) => {
        await page.goto(url(p));
      };
      const shot = async (name: string, theme: 'dark' | 'light') => {
        const file = path.join(ARTIFACTS, grafana.name, `${name}-${theme}.png`);
        await mkdir(path.dirname(file), { recursive: true });
        await page.waitForLoadState('networkidle'); // icons are fetched after the page renders
        await page.screenshot({ path: file });
        if (UPDATE_SCREENSHOTS && grafana === GRAFANA_VERSIONS.at(-1)) {
          await mkdir(SCREENSHOTS, { recursive: true });
          await copyFile(file, path.join(SCREENSHOTS, `${name}-${theme}.png`));
        }
      };
      /** No page error and no console.error; HTTP error answers only with the allowed statuses. */
      const expectClean = (allowedStatuses: number[] = []) => {
        const unexpected = consoleErrors.filter((c) => {
          const m = FAILED_RESOURCE.exec(c.text);
          return !(m && allowedStatuses.includes(Number(m[1])) && new URL(c.url).pathname.startsWith('/api/'));
        });
        assert.deepEqual(pageErrors, [], 'page errors');
        assert.deepEqual(unexpected, [], 'console errors');
        pageErrors.length = 0;
        consoleErrors.length = 0;
      };
      const newPage = async () => {
        page = await context.newPage();
        page.on('pageerror', (e) => pageErrors.push(String(e)));
        page.on('console', (m: ConsoleMessage) => {
          if (m.type() === 'error') {
            consoleErrors.push({ text: m.text(), url: m.location().url });
          }
        });
        page.on('request', (r) => {
          const auth = r.headers().authorization;
          if (auth) {
            authHeaders.push(`${r.method()} ${r.url()}: ${auth}`);
          }
        });
        page.on('response', async (r) => {
          if (new URL(r.url()).pathname.startsWith('/api/')) {
            responses.push(await r.text().catch(() => ''));
          }
        });
      };
      /** Saves the configuration page; the page reloads to get the new settings (as in Grafana). */
      const saveSettings = async () => {
        const reloaded = page.waitForEvent('load');
        await page.getByRole('button', { name: 'Save settings' }).click();
        await reloaded;
        await page.getByRole('button', { name: 'Save settings' }).waitFor();
      };
      /** Puts the app's settings back as configured, whatever a failed test left. */
      const restoreSettings = () => {
        host.settings.jsonData = { exporterUrl: exporter.url, prometheusDatasourceUid: 'prometheus' };
        host.settings.secureJsonData = { exporterToken: TOKEN };
      };

      before(async () => {
        await host.use(grafana);
        // The exporter keeps what earlier runs added through its API: start from its config file only.
        for (const p of (await exporterApi('GET', '/providers')).providers) {
          for (const a of p.accounts.filter((x: { source: string }) => x.source === 'api')) {
            await exporterApi('DELETE', `/providers/${p.provider}/accounts/${a.account}`);
          }
        }
        await exporterApi('PUT', '/budgets', { budgets: [] });
        context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
        await newPage();
      });

      after(async () => {
        await context?.close();
      });

      // Every test starts on a blank page: a page left open would go on refreshing into the next test.
      beforeEach(async () => {
        await page.goto('about:blank');
        pageErrors.length = 0;
        consoleErrors.length = 0;
      });

      it('configures the app from scratch: saves, reloads, tests the connection (a wrong token first)', async () => {
        await goto(`/plugins/${ID}`);
        await page.locator('#nexus-exporter-url').waitFor();
        assert.equal(
          await page.getByRole('button', { name: 'Test connection' }).isDisabled(),
          true,
          'the test needs saved settings'
        );
        // Empty required fields say "Required".
        await page.getByRole('button', { name: 'Save settings' }).click();
        assert.equal(await page.getByText('Required').count(), 2);
        assert.equal(host.settingsPosts.length, 0, 'nothing saved while invalid');

        await page.locator('#nexus-exporter-url').fill(exporter.url);
        await page.locator('#nexus-exporter-token').fill(WRONG_TOKEN);
        await page.locator('#nexus-prometheus-datasource').click();
        await page.getByRole('option', { name: /Prometheus/ }).click();
        await saveSettings();
        await page.waitForSelector('input[value="configured"]');
        assert.deepEqual(host.settingsPosts.at(-1), {
          enabled: true,
          pinned: true,
          jsonData: { exporterUrl: exporter.url, prometheusDatasourceUid: 'prometheus' },
          secureJsonData: { exporterToken: WRONG_TOKEN },
        });

        await page.getByRole('button', { name: 'Test connection' }).click();
        await page.getByText('Admin token rejected').waitFor();
        await page.getByText(/The exporter rejected the admin token \(401\)/).waitFor();

        await page.getByRole('button', { name: 'Reset' }).click();
        await page.locator('#nexus-exporter-token').fill(TOKEN);
        await saveSettings();
        await page.getByRole('button', { name: 'Test connection' }).click();
        await page.getByText('Exporter connected').waitFor();
        await page.getByText('Prometheus connected').waitFor();
        expectClean([401]);
      });

      it('renders every page in both themes with no page error and no console error', async () => {
        for (const theme of ['dark', 'light'] as const) {
          host.set({ theme });
          await goto(`/plugins/${ID}`);
          await page.waitForSelector('input[value="configured"]');

          await goto(`/a/${ID}/overview`);
          const spend = page.getByTestId('data-testid nexus-stat-spend-today');
          await spend.getByText(/\$/).waitFor();
          assert.match(await spend.innerText(), /\$\d{1,3}(,\d{3})*\.\d{2}/, 'full money amounts');
          await page.getByRole('cell', { name: 'OpenAI' }).waitFor();
          await page.getByRole('region', { name: 'Credits left' }).getByText('Lead credits').waitFor();
          assert.doesNotMatch(await page.locator('main').innerText(), /\$\d+(\.\d+)?K\b/, 'no abbreviated money');

          await goto(`/a/${ID}/providers`);
          await page.getByTestId('data-testid nexus-account-status-openai-demo').getByText('Up').waitFor();

          await goto(`/a/${ID}/budgets`);
          await page.getByText(/A budget is the most/).waitFor();
          await page.getByRole('button', { name: 'Add budget' }).waitFor();

          await goto(`/a/${ID}/alerts`);
          await page.getByRole('heading', { name: 'Budgets and spend' }).waitFor();
          await page
            .getByTestId('data-testid nexus-rule-NexusBudgetExceeded')
            .getByRole('link', { name: 'Runbook' })
            .click();
          await page.getByRole('dialog').getByText('Runbook: NexusBudgetExceeded').waitFor();
          assert.match(await page.getByRole('dialog').innerText(), /Mitigate/);
        }
        host.set({ theme: 'dark' });
        expectClean();
      });

      it('adds an account (a wrong key fails the test), edits, tests and deletes it', async () => {
        await goto(`/a/${ID}/providers`);
        await page.getByRole('button', { name: 'Add OpenAI account' }).click();
        const form = page.getByRole('form', { name: 'New OpenAI account' });
        await form.getByRole('button', { name: 'Add account' }).click();
        await form.getByText('Required').first().waitFor();

        await form.getByLabel(/^Account name/).fill(account);
        await form.getByLabel(/^Admin key/).fill(WRONG_KEY);
        await form.getByLabel(/^Base URL/).fill(openai.baseUrl);
        await form.getByRole('button', { name: 'Test connection' }).click();
        await form.getByText('Connection failed: The provider rejected the credentials').waitFor();

        await form.getByLabel(/^Admin key/).fill(openai.adminKey);
        await form.getByRole('button', { name: 'Test connection' }).click();
        await form.getByText(/^Connection OK \(\d+ ms\)$/).waitFor();
        await form.getByRole('button', { name: 'Add account' }).click();

        const card = page.getByTestId(`data-testid nexus-account-openai-${account}`);
        const status = page.getByTestId(`data-testid nexus-account-status-openai-${account}`);
        await card.waitFor();
        await waitFor(
          'the new account to be Up',
          async () => {
            await page.getByRole('button', { name: 'Refresh' }).click();
            return (await status.innerText()).trim() === 'Up';
          },
          { timeoutMs: 60_000, intervalMs: 500 }
        );
        await card.getByText(`Admin key: …${openai.adminKey.slice(-4)}`).waitFor();

        await card.getByRole('button', { name: 'Edit' }).click();
        const edit = page.getByRole('form', { name: `Edit OpenAI account ${account}` });
        await edit.getByLabel(/^Poll interval/).fill('120');
        await edit.getByRole('button', { name: 'Save' }).click();
        await card.getByText('Every 120 s').waitFor();
        assert.equal((await exporterApi('GET', `/providers/openai/accounts/${account}`)).pollIntervalSeconds, 120);

        await card.getByRole('button', { name: 'Test connection' }).click();
        await card.getByText(/^Connection OK \(\d+ ms\)$/).waitFor();

        await card.getByRole('button', { name: `Delete ${account}` }).click();
        await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
        await card.waitFor({ state: 'detached' });
        const providers = (await exporterApi('GET', '/providers')).providers;
        assert.equal(
          providers
            .flatMap((p: { accounts: Array<{ account: string }> }) => p.accounts)
            .some((a: { account: string }) => a.account === account),
          false
        );
        expectClean();
      });

      it('shows each source of an account, a partial poll by subaccount name, and a full disk (507) in the form', async (t) => {
        // The demo's Twilio account and simulator; this account reads two listed subaccounts, one of
        // which the simulator does not know (404), so the poll is partial.
        const twilio: Record<string, unknown> = { ...sims.providers.twilio![0] };
        delete twilio.account;
        delete twilio.subaccounts;
        const subs = `browser-subs-${grafana.name.replace('.', '-')}`;
        const known = 'AC00000000000000000000000000de0002';
        const unknown = 'AC00000000000000000000000000dead01';
        await exporterApi('PUT', `/providers/twilio/accounts/${subs}`, { ...twilio, pollIntervalSeconds: 10 });
        try {
          await goto(`/a/${ID}/providers`);
          const card = page.getByTestId(`data-testid nexus-account-twilio-${subs}`);
          await card.getByRole('button', { name: 'Edit' }).click();
          const edit = page.getByRole('form', { name: `Edit Twilio account ${subs}` });
          await edit.getByRole('radio', { name: 'Listed' }).check();
          await edit.getByLabel(/^Subaccount SIDs/).fill(`${known}\n${unknown}`);
          await edit.getByRole('button', { name: 'Save' }).click();
          await edit.waitFor({ state: 'detached' });
          assert.deepEqual((await exporterApi('GET', `/providers/twilio/accounts/${subs}`)).settings.subaccounts, [
            known,
            unknown,
          ]);

          const status = page.getByTestId(`data-testid nexus-account-status-twilio-${subs}`);
          await waitFor(
            'the account to be partial: the unknown subaccount fails, the rest is read',
            async () => {
              await page.getByRole('button', { name: 'Refresh' }).click();
              return /^Partial: 2 of \d+ sources failing$/.test((await status.innerText()).trim());
            },
            { timeoutMs: 60_000, intervalMs: 1000 }
          );
          const failing = await card
            .getByRole('list', { name: 'Failing sources' })
            .getByRole('listitem')
            .allInnerTexts();
          assert.deepEqual(
            failing.map((f) => f.replace(/ is failing .*/s, '')),
            [`twilio.spend: ${unknown}`, `twilio.usage: ${unknown}`]
          );
          assert.match(
            failing[0]!,
            /is failing \(client, .+\): .+\. It has never been read, so it has no metrics yet\.$/s
          );
          await card.getByRole('button', { name: /^Sources \(\d+ of \d+ up\)$/ }).click();
          const all = await card
            .getByRole('list', { name: `Sources of ${subs}` })
            .getByRole('listitem')
            .allInnerTexts();
          // The known subaccount by the name the exporter read (nexus_project_info), the unknown one by its SID.
          assert.ok(
            all.some((x) => x.startsWith('twilio.spend: EU customers')),
            all.join('\n')
          );
          assert.ok(
            all.some((x) => x.startsWith('twilio.subaccounts')),
            all.join('\n')
          );
          expectClean();

          if (!stateDisk) {
            t.diagnostic(`507 not tried: ${noStateDisk}`);
            return;
          }
          // A full state directory: the exporter answers 507 and keeps the stored account as it was.
          const filler = path.join(stateDisk.path, 'filler');
          await writeFile(filler, Buffer.alloc(16 * 1024 * 1024)).catch(() => undefined);
          try {
            await card.getByRole('button', { name: 'Edit' }).click();
            await edit.getByLabel(/^Poll interval/).fill('120');
            await edit.getByRole('button', { name: 'Save' }).click();
            await edit.getByText('Nothing was saved', { exact: true }).waitFor();
            await edit
              .getByText(
                /^The exporter's disk is full or read-only; nothing was saved \(507, ENOSPC\)\. Free space in its state directory/
              )
              .waitFor();
            assert.equal((await exporterApi('GET', `/providers/twilio/accounts/${subs}`)).pollIntervalSeconds, 10);
          } finally {
            await rm(filler, { force: true });
          }
          await edit.getByRole('button', { name: 'Save' }).click();
          await card.getByText('Every 120 s').waitFor();
          expectClean([507]);
        } finally {
          await exporterApi('DELETE', `/providers/twilio/accounts/${subs}`);
        }
      });

      it('adds and edits budgets, and shows spend, share used and the month-end forecast from Prometheus', async () => {
        await goto(`/a/${ID}/budgets`);
        await page.getByText(/A budget is the most/).waitFor();
        await page.getByRole('button', { name: 'Add budget' }).click();
        const row = page.getByRole('group', { name: /^New budget/ });
        // A new row starts empty and says what is missing only when saved.
        assert.equal(await row.getByText('Required').count(), 0);
        await page.getByRole('button', { name: 'Save budgets' }).click();
        assert.equal(await row.getByText('Required').count(), 3);

        await row.locator('input[id$="-provider"]').click();
        await page.getByRole('option', { name: 'OpenAI' }).click();
        await row.locator('input[id$="-account"]').click();
        await page.getByRole('option', { name: 'demo' }).click();
        await row.getByLabel(/^Amount/).fill('0.01');
        await page.getByRole('button', { name: 'Save budgets' }).click();
        await page.getByText('Budgets saved').waitFor();
        assert.deepEqual((await exporterApi('GET', '/budgets')).budgets, [
          { provider: 'openai', account: 'demo', period: 'month', amountUsd: 0.01, source: 'api' },
        ]);

        // The budget's status comes from Prometheus once it has scraped the new nexus_budget_usd.
        const status = page.getByTestId('data-testid nexus-budget-status-openai-demo-month');
        await waitFor(
          'the budget status from Prometheus',
          async () => {
            await page.reload();
            return /Spent \$[\d,]+\.\d{2} of \$0\.01/.test(await status.innerText().catch(() => ''));
          },
          { timeoutMs: 60_000, intervalMs: 1000 }
        );
        assert.match(await status.innerText(), /over budget/i);
        assert.match(await status.innerText(), /Forecast for the month: \$[\d,]+\.\d{2}/);
        assert.equal(await status.getAttribute('data-severity'), 'critical');

        const saved = page.getByRole('group', { name: 'Budget OpenAI demo month' });
        await saved.getByLabel(/^Amount/).fill('1000000');
        await page.getByRole('button', { name: 'Save budgets' }).click();
        await page.getByText('Budgets saved').waitFor();
        assert.equal((await exporterApi('GET', '/budgets')).budgets[0].amountUsd, 1_000_000);
        await waitFor(
          'the edited budget to be judged',
          async () => {
            await page.reload();
            return (await status.getAttribute('data-severity').catch(() => null)) === 'ok';
          },
          { timeoutMs: 60_000, intervalMs: 1000 }
        );
        assert.match(await status.innerText(), /of \$1,000,000\.00/);
        expectClean();
      });

      it('a Viewer sees the Overview and the Alerts, and is told that Providers need the org Admin role', async () => {
        host.set({ role: 'Viewer' });
        try {
          await goto(`/a/${ID}/overview`);
          await page.getByTestId('data-testid nexus-stat-spend-today').waitFor();
          const nav = await page.getByRole('navigation', { name: 'Grafana navigation' }).innerText();
          assert.doesNotMatch(nav, /Providers|Budgets|Configuration/);
          await goto(`/a/${ID}/alerts`);
          await page.getByRole('heading', { name: 'Budgets and spend' }).waitFor();
          await goto(`/a/${ID}/providers`);
          await page.getByText(/organization Admin role/).waitFor();
          assert.doesNotMatch(await page.locator('main').innerText(), /Grafana Admin/);
          expectClean([403]);
        } finally {
          host.set({ role: 'Admin' });
        }
      });

      it('says plainly when Grafana cannot reach the exporter', async () => {
        const closed = await freePort();
        try {
          await goto(`/plugins/${ID}`);
          await page.locator('#nexus-exporter-url').fill(`http://127.0.0.1:${closed}`);
          await saveSettings();
          await page.getByRole('button', { name: 'Test connection' }).click();
          await page.getByText('Grafana cannot reach the exporter', { exact: true }).waitFor();
          await goto(`/a/${ID}/providers`);
          await page.getByText(/Grafana cannot reach the exporter \(502 Bad Gateway\)/).waitFor();
          assert.equal(
            await page.getByText(/Auto-refresh is paused/).count(),
            0,
            'a 502 may go away: refreshing goes on'
          );
          expectClean([502]);
        } finally {
          restoreSettings();
        }
      });

      it('with a wrong token, says so and stops refreshing instead of locking everyone out', async () => {
        try {
          host.settings.secureJsonData = { exporterToken: WRONG_TOKEN };
          const calls = () => host.proxied.filter((c) => c.url.endsWith('/exporter/api/v1/providers')).length;
          const rotations = host.tokenRotations;
          const before = calls();
          await page.clock.install();
          await goto(`/a/${ID}/providers`);
          await page.getByText(/The exporter rejected the admin token \(401\)/).waitFor();
          await page.getByText(/Auto-refresh is paused/).waitFor();
          // Grafana renews the session after a 401 and sends the call once more: two calls, then nothing.
          assert.equal(calls() - before, 2);
          assert.equal(host.tokenRotations - rotations, 1);
          await page.clock.runFor(5 * 60_000);
          await page.waitForTimeout(500);
          assert.equal(calls() - before, 2, 'no refresh after a 401');
          expectClean([401]);
        } finally {
          restoreSettings();
          // The fake clock stays with the browser context: the next tests get a new one.
          await context.close();
          context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
          await newPage();
        }
      });

      it('an empty admin token (docker compose without NEXUS_ADMIN_TOKEN) is not shown as configured', async () => {
        try {
          // What provisioning stores for `exporterToken: $NEXUS_ADMIN_TOKEN` when the variable is empty.
          host.settings.secureJsonData = { exporterToken: '' };
          await goto(`/plugins/${ID}`);
          await page.locator('#nexus-exporter-token').waitFor();
          assert.equal(await page.locator('input[value="configured"]').count(), 0);
          await goto(`/a/${ID}/providers`);
          await page.getByText('Connect the exporter first').waitFor();
          expectClean();
        } finally {
          restoreSettings();
        }
      });

      it('takes screenshots of every page in both themes, with budgets in every state', async () => {
        // One budget per state the alerts know: over (critical), nearly used or forecast over (warning), fine.
        const spend = async (provider: string, period: string) => {
          const q = `max(nexus_spend_usd{provider="${provider}",account="demo",period="${period}"})`;
          const r = await (await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(q)}`)).json();
          return Number(r.data.result[0].value[1]);
        };
        // To the cent: right after midnight UTC a day's spend is cents, and whole dollars would judge it "ok".
        // Monthly budgets only: a day's spend can still be 0 in the first minutes of a day.
        const round = (v: number) => Math.max(0.01, Math.round(v * 100) / 100);
        await exporterApi('PUT', '/budgets', {
          budgets: [
            {
              provider: 'openai',
              account: 'demo',
              period: 'month',
              amountUsd: round((await spend('openai', 'month')) / 0.9),
            },
            {
              provider: 'exa',
              account: 'demo',
              period: 'month',
              amountUsd: round((await spend('exa', 'month')) * 0.7),
            },
            {
              provider: 'twilio',
              account: 'demo',
              period: 'month',
              amountUsd: round((await spend('twilio', 'month')) * 4),
            },
          ],
        });
        for (const theme of ['dark', 'light'] as const) {
          host.set({ theme });
          await goto(`/plugins/${ID}`);
          await page.waitForSelector('input[value="configured"]');
          await shot('configuration', theme);
          await goto(`/a/${ID}/overview`);
          await page.getByRole('region', { name: 'Credits left' }).waitFor();
          await shot('overview', theme);
          await goto(`/a/${ID}/providers`);
          await page.getByTestId('data-testid nexus-account-status-openai-demo').getByText('Up').waitFor();
          await shot('providers', theme);
          await waitFor(
            'Prometheus to judge every budget',
            async () => {
              await goto(`/a/${ID}/budgets`);
              await page.getByText(/A budget is the most/).waitFor();
              return (await page.locator('[data-severity]').count()) === 3;
            },
            { timeoutMs: 60_000, intervalMs: 1000 }
          );
          assert.deepEqual(
            (
              await page
                .locator('[data-severity]')
                .evaluateAll((els) => els.map((e) => e.getAttribute('data-severity')))
            ).sort(),
            ['critical', 'ok', 'warning']
          );
          await shot('budgets', theme);
          await goto(`/a/${ID}/alerts`);
          await page.getByRole('heading', { name: 'Budgets and spend' }).waitFor();
          await shot('alerts', theme);
        }
        host.set({ theme: 'dark' });
        expectClean();
      });

      it('every call the app made matched a route of dist/plugin.json, and no secret reached the browser', () => {
        const unmatched = host.proxied.filter((c) => c.refused === 'plugin route match not found');
        assert.deepEqual(unmatched, [], 'calls Grafana would answer with "plugin route match not found"');
        assert.ok(
          host.proxied.some(
            (c) => c.method === 'PUT' && c.upstream?.endsWith(`/api/v1/providers/openai/accounts/${account}`)
          ),
          "host.proxied.some((c) => c.method === 'PUT' && c.upstream?.endsWith(`/api/v1/providers/openai/accounts/${account}`))"
        );
        for (const secret of [TOKEN, WRONG_TOKEN, openai.adminKey, WRONG_KEY]) {
          assert.equal(
            responses.filter((r) => r.includes(secret)).length,
            0,
            `a response contained ${secret.slice(0, 12)}…`
          );
        }
        assert.deepEqual(authHeaders, [], 'the browser sent no Authorization header');
      });
    });
  }
});
