import fs from 'fs';
import path from 'path';
import React from 'react';
import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import Overview, { DashboardLinks, OverviewContent } from './Overview';
import { OVERVIEW_QUERIES } from './Overview.queries';
import { backend, frame, installBackend } from '../../test/backend';
import { appMeta } from '../../test/fixtures';
import { renderPage } from '../../test/render';

type Frames = Record<string, Array<ReturnType<typeof frame>>>;

function results(frames: Frames, errors: Record<string, string> = {}) {
  const out: Record<string, unknown> = {};
  for (const refId of Object.keys(OVERVIEW_QUERIES)) {
    out[refId] = errors[refId] ? { status: 400, error: errors[refId] } : { status: 200, frames: frames[refId] ?? [] };
  }
  return { results: out };
}

const HEALTHY: Frames = {
  spendToday: [frame(12.5)],
  spendMonth: [frame(8761.234)],
  budgetUsed: [frame(0.85)],
  moneyLeft: [frame(48)],
  creditsLeft: [
    frame(9000, { provider: 'apollo', account: 'sales', credit_type: 'export_credit' }),
    frame(1234.4, { provider: 'apollo', account: 'sales', credit_type: 'direct_dial_credit' }),
  ],
  creditsLimit: [frame(24000, { provider: 'apollo', account: 'sales', credit_type: 'export_credit' })],
  errors1h: [frame(3)],
  latencyP95: [frame(0.42)],
  up: [frame(1, { provider: 'openai', account: 'main' }), frame(0, { provider: 'twilio', account: 'ops' })],
  providerToday: [frame(10, { provider: 'openai' }), frame(2.5, { provider: 'twilio' })],
  providerMonth: [frame(250, { provider: 'openai' }), frame(51.25, { provider: 'twilio' })],
};

const DASHBOARDS = [{ file: 'nexus-overview.json', uid: 'nexus-overview', title: 'Nexus / Overview', tags: [] }];

beforeEach(() => {
  installBackend();
});

describe('Overview page', () => {
  test('without a data source: points to the configuration page and queries nothing', async () => {
    renderPage(<Overview />, appMeta({ exporterUrl: 'http://exporter:9464' }));
    expect(await screen.findByText('Choose a Prometheus data source')).toBeInTheDocument();
    expect(backend.requests()).toHaveLength(0);
  });

  test('queries the configured data source with every overview expression as an instant query', async () => {
    backend.on('POST', '/api/ds/query', { data: results(HEALTHY) });
    renderPage(<OverviewContent datasourceUid="prom-uid" dashboards={DASHBOARDS} />);
    expect(await screen.findByText('$12.50')).toBeInTheDocument();

    const [request] = backend.requests();
    expect(request.url).toBe('/api/ds/query');
    const body = request.data as { queries: Array<Record<string, unknown>> };
    expect(body.queries).toEqual(
      Object.entries(OVERVIEW_QUERIES).map(([refId, expr]) =>
        expect.objectContaining({
          refId,
          expr,
          instant: true,
          range: false,
          datasource: { type: 'prometheus', uid: 'prom-uid' },
        })
      )
    );
  });

  test('shows spend, budget use, money and credits left, errors, latency and who is down', async () => {
    backend.on('POST', '/api/ds/query', { data: results(HEALTHY) });
    renderPage(<OverviewContent datasourceUid="prom-uid" dashboards={DASHBOARDS} />);

    expect(await screen.findByText('$12.50')).toBeInTheDocument();
    expect(screen.getByText('$8,761.23')).toBeInTheDocument(); // in full, never $8.76K
    expect(screen.getByText('85%')).toBeInTheDocument();
    expect(screen.getByText('$48.00')).toBeInTheDocument();
    // Credits per account and type, with readable names; never added up across types.
    const credits = screen.getByRole('region', { name: 'Credits left' });
    expect(within(credits).getByText('Export credits')).toBeInTheDocument();
    expect(within(credits).getByText('9,000 of 24,000 (37.5%)')).toBeInTheDocument();
    expect(within(credits).getByText('Direct dial credits')).toBeInTheDocument();
    expect(within(credits).getByText('1,234')).toBeInTheDocument();
    expect(screen.queryByText(/10,234/)).not.toBeInTheDocument();
    expect(screen.getByText('1 / 2')).toBeInTheDocument();
    expect(screen.getByText('420 ms')).toBeInTheDocument();
    expect(screen.getByText('1 account is down')).toBeInTheDocument();
    expect(screen.getByText(/twilio\/ops/)).toBeInTheDocument();
    const table = screen.getAllByRole('table')[0];
    expect(within(table).getByText('OpenAI')).toBeInTheDocument();
    expect(within(table).getByText('$51.25')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: /Nexus \/ Overview/ })).toHaveAttribute('href', '/d/nexus-overview');
  });

  test('key-only accounts: a part of an account-wide figure is shown "of which", a provider of keys alone is marked', async () => {
    backend.on('POST', '/api/ds/query', {
      data: results({
        ...HEALTHY,
        up: [
          frame(1, { provider: 'openrouter', account: 'org' }),
          frame(1, { provider: 'openrouter', account: 'team' }),
          frame(1, { provider: 'exa', account: 'search' }),
        ],
        providerToday: [frame(7, { provider: 'openrouter' }), frame(0.5, { provider: 'exa' })],
        providerMonth: [frame(120, { provider: 'openrouter' }), frame(9.75, { provider: 'exa' })],
        keyPartsToday: [frame(2, { provider: 'openrouter', account: 'team' })],
        keyPartsMonth: [frame(40, { provider: 'openrouter', account: 'team' })],
        keyOnlyProviders: [frame(1, { provider: 'exa' })],
      }),
    });
    renderPage(<OverviewContent datasourceUid="prom-uid" dashboards={DASHBOARDS} />);
    const table = (await screen.findAllByRole('table'))[0];
    const row = (title: string) => within(table).getByText(title).closest('tr')!;
    const openrouter = row('OpenRouter');
    expect(openrouter).toHaveTextContent('$120.00');
    expect(openrouter).toHaveTextContent('of which team (one key): $40.00');
    expect(openrouter).toHaveTextContent('of which team (one key): $2.00');
    expect(openrouter).not.toHaveTextContent('Key-only spend');
    const exa = row('Exa');
    expect(exa).toHaveTextContent('Key-only spend');
    expect(exa).toHaveTextContent('$9.75');
    expect(exa).not.toHaveTextContent('of which');
  });

  test('empty state: the data source has no Nexus series', async () => {
    backend.on('POST', '/api/ds/query', { data: results({}) });
    renderPage(<OverviewContent datasourceUid="prom-uid" dashboards={DASHBOARDS} />);
    expect(await screen.findByText('No Nexus metrics yet')).toBeInTheDocument();
  });

  test('one failing expression is reported without hiding the others', async () => {
    backend.on('POST', '/api/ds/query', {
      status: 400,
      data: results(HEALTHY, { latencyP95: 'bad_data: parse error' }),
    });
    renderPage(<OverviewContent datasourceUid="prom-uid" dashboards={DASHBOARDS} />);
    expect(await screen.findByText('Some numbers could not be queried')).toBeInTheDocument();
    expect(screen.getByText('latencyP95: bad_data: parse error')).toBeInTheDocument();
    expect(screen.getByText('$12.50')).toBeInTheDocument();
  });

  test('Prometheus unreachable: error with retry', async () => {
    backend.once('POST', '/api/ds/query', {
      status: 502,
      data: { message: 'Post "http://prometheus:9090/api/v1/query": dial tcp: connection refused' },
    });
    backend.on('POST', '/api/ds/query', { data: results(HEALTHY) });
    renderPage(<OverviewContent datasourceUid="prom-uid" dashboards={DASHBOARDS} />);

    expect(await screen.findByText('Could not query Prometheus')).toBeInTheDocument();
    expect(screen.getByText(/Grafana cannot reach the Prometheus data source \(502 Bad Gateway\)/)).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Retry' }));
    expect(await screen.findByText('$12.50')).toBeInTheDocument();
  });

  test('dashboard links: one per bundled dashboard, or a note when there are none', () => {
    const { rerender } = renderPage(
      <DashboardLinks dashboards={[...DASHBOARDS, { file: 'b.json', uid: 'nexus-b', title: 'B', tags: [] }]} />
    );
    expect(screen.getAllByRole('link').map((a) => a.getAttribute('href'))).toEqual(['/d/nexus-overview', '/d/nexus-b']);
    rerender(<DashboardLinks dashboards={[]} />);
    expect(screen.getByText('No dashboards are bundled with this build.')).toBeInTheDocument();
  });

  test('every metric the queries use is in the exporter catalog, every recorded series in the shipped rules', () => {
    const catalog = fs.readFileSync(path.resolve(__dirname, '../../../../exporter/src/metrics/catalog.ts'), 'utf8');
    const rulesDir = path.resolve(__dirname, '../../../../provisioning/prometheus/rules');
    const rules = fs
      .readdirSync(rulesDir)
      .map((f) => fs.readFileSync(path.join(rulesDir, f), 'utf8'))
      .join('\n');
    const queries = Object.values(OVERVIEW_QUERIES).join('\n');
    const recorded = new Set(queries.match(/\b[a-z_]+:nexus_[a-z0-9_]+:[a-z0-9_]+/g) ?? []);
    const names = new Set(
      (queries.replace(/\b[a-z_]+:nexus_[a-z0-9_]+:[a-z0-9_]+/g, '').match(/\bnexus_[a-z_]+/g) ?? []).map((n) =>
        n.replace(/_bucket$/, '')
      )
    );
    expect(names.size).toBeGreaterThan(5);
    expect([...names].filter((n) => !catalog.includes(`name: '${n}'`))).toEqual([]);
    expect(recorded.size).toBeGreaterThanOrEqual(4);
    expect([...recorded].filter((r) => !rules.includes(`record: ${r}\n`))).toEqual([]);
    // The alert names the status reads are shipped alerts.
    for (const alert of ['NexusProviderSLOFastBurn', 'NexusProviderSLOSlowBurn']) {
      expect(rules).toContain(`alert: ${alert}\n`);
    }
  });

  describe('SLO status per provider', () => {
    const SLO: Frames = {
      ...HEALTHY,
      sloObjective: [
        frame(0.99, { provider: 'openai', slo: 'availability' }),
        frame(0.95, { provider: 'openai', slo: 'latency' }),
        frame(0.99, { provider: 'exa', slo: 'availability' }),
      ],
      // Exa has no traffic: its ratios are not there (or NaN, 0 / 0), so it has no row.
      sloGood30d: [
        frame(0.99625, { provider: 'openai', slo: 'availability' }),
        frame(0.97, { provider: 'openai', slo: 'latency' }),
        frame(NaN, { provider: 'exa', slo: 'availability' }),
      ],
      sloBudgetLeft: [
        frame(0.625, { provider: 'openai', slo: 'availability' }),
        frame(0.4, { provider: 'openai', slo: 'latency' }),
      ],
      sloBurn1h: [
        frame(16.3, { provider: 'openai', slo: 'availability' }),
        frame(0.5, { provider: 'openai', slo: 'latency' }),
      ],
      sloAlerts: [
        frame(1, { provider: 'openai', slo: 'availability', alertname: 'NexusProviderSLOFastBurn' }),
        frame(1, { provider: 'openai', slo: 'availability', alertname: 'NexusProviderSLOSlowBurn' }),
      ],
    };

    test('objective, good calls over 30 days, budget left, burn rate and the burn alert that fires', async () => {
      backend.on('POST', '/api/ds/query', { data: results(SLO) });
      renderPage(<OverviewContent datasourceUid="prom-uid" dashboards={DASHBOARDS} />);
      const region = await screen.findByRole('region', { name: 'Service level objectives' });
      const rows = within(region).getAllByRole('row').slice(1);
      expect(
        rows.map((r) =>
          within(r)
            .getAllByRole('cell')
            .map((c) => c.textContent)
        )
      ).toEqual([
        ['OpenAI', 'Availability 99%', '99.62%', '62.5%', '16.3×', 'Burning fast: paging'],
        ['OpenAI', 'Latency 95%', '97.00%', '40%', '0.50×', 'OK'],
      ]);
      expect(within(region).getByRole('link', { name: 'Provider SLOs dashboard' })).toHaveAttribute(
        'href',
        '/d/nexus-slo'
      );
    });

    test('a slow burn alone is a ticket; a spent budget without an alert says so', async () => {
      backend.on('POST', '/api/ds/query', {
        data: results({
          ...SLO,
          sloBudgetLeft: [
            frame(-0.2, { provider: 'openai', slo: 'availability' }),
            frame(0.4, { provider: 'openai', slo: 'latency' }),
          ],
          sloAlerts: [frame(1, { provider: 'openai', slo: 'latency', alertname: 'NexusProviderSLOSlowBurn' })],
        }),
      });
      renderPage(<OverviewContent datasourceUid="prom-uid" dashboards={DASHBOARDS} />);
      const region = await screen.findByRole('region', { name: 'Service level objectives' });
      expect(within(region).getByText('Budget spent')).toBeInTheDocument();
      expect(within(region).getByText('Burning: ticket')).toBeInTheDocument();
      expect(within(region).getByText('-20%')).toBeInTheDocument();
    });

    test('no traffic yet, or no SLO rules loaded: says which', async () => {
      backend.on('POST', '/api/ds/query', { data: results({ ...HEALTHY, sloObjective: SLO.sloObjective }) });
      const { unmount } = renderPage(<OverviewContent datasourceUid="prom-uid" dashboards={DASHBOARDS} />);
      expect(await screen.findByText(/No real traffic yet/)).toBeInTheDocument();
      unmount();
      backend.on('POST', '/api/ds/query', { data: results(HEALTHY) });
      renderPage(<OverviewContent datasourceUid="prom-uid" dashboards={DASHBOARDS} />);
      expect(await screen.findByText(/No SLO rules in this Prometheus/)).toBeInTheDocument();
    });

    test('SLO rules alone are not Nexus data: the empty state still shows', async () => {
      backend.on('POST', '/api/ds/query', { data: results({ sloObjective: SLO.sloObjective }) });
      renderPage(<OverviewContent datasourceUid="prom-uid" dashboards={DASHBOARDS} />);
      expect(await screen.findByText('No Nexus metrics yet')).toBeInTheDocument();
    });
  });
});
