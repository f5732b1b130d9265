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

  test('every metric the queries use is in the exporter catalog', () => {
    const catalog = fs.readFileSync(path.resolve(__dirname, '../../../../exporter/src/metrics/catalog.ts'), 'utf8');
    const names = new Set(
      Object.values(OVERVIEW_QUERIES)
        .flatMap((q) => q.match(/\bnexus_[a-z_]+/g) ?? [])
        .map((n) => n.replace(/_bucket$/, ''))
    );
    expect(names.size).toBeGreaterThan(5);
    expect([...names].filter((n) => !catalog.includes(`name: '${n}'`))).toEqual([]);
  });
});
