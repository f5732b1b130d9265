import React from 'react';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import Budgets from './Budgets';
import { backend, frame, installBackend } from '../../test/backend';
import { BUDGET_STATUS_QUERIES } from './Budgets.status';
import { API, account, appMeta, providersBody } from '../../test/fixtures';
import { renderPage } from '../../test/render';

const BUDGETS_URL = `${API}/budgets`;
const PROVIDERS_URL = `${API}/providers`;

const ACCOUNTS = providersBody([
  account({ provider: 'openai', account: 'main' }),
  account({ provider: 'twilio', account: 'ops', source: 'config' }),
]);

const CONFIG_BUDGET = { provider: 'twilio', account: 'ops', period: 'month', amountUsd: 200, source: 'config' };
const API_BUDGET = { provider: 'openai', account: 'main', period: 'month', amountUsd: 500, source: 'api' };

/** A /api/ds/query answer for the budget status queries. */
function status(frames: Partial<Record<keyof typeof BUDGET_STATUS_QUERIES, Array<ReturnType<typeof frame>>>> = {}) {
  const results: Record<string, unknown> = {};
  for (const refId of Object.keys(BUDGET_STATUS_QUERIES)) {
    results[refId] = { status: 200, frames: frames[refId as keyof typeof BUDGET_STATUS_QUERIES] ?? [] };
  }
  return { data: { results } };
}

const MAIN_MONTH = { provider: 'openai', account: 'main', period: 'month' };

beforeEach(() => {
  installBackend();
  backend.on('GET', PROVIDERS_URL, { data: ACCOUNTS });
  backend.on('POST', '/api/ds/query', status());
});

const row = (name: RegExp) => screen.findByRole('group', { name });

describe('Budgets page', () => {
  test('asks for the exporter settings first and calls nothing', async () => {
    renderPage(<Budgets />, appMeta());
    expect(await screen.findByText('Connect the exporter first')).toBeInTheDocument();
    expect(backend.requests()).toHaveLength(0);
  });

  test('lists budgets; config-file budgets are read-only', async () => {
    backend.on('GET', BUDGETS_URL, { data: { budgets: [CONFIG_BUDGET, API_BUDGET] } });
    renderPage(<Budgets />);

    const config = await row(/Twilio ops month/);
    expect(within(config).getByText('Config file')).toBeInTheDocument();
    expect(within(config).getByLabelText('Amount (USD)')).toBeDisabled();
    const editable = await row(/OpenAI main month/);
    expect(within(editable).getByLabelText('Amount (USD)')).toHaveValue('500');
    expect(screen.getByRole('button', { name: 'Save budgets' })).toBeDisabled();
  });

  test('empty state: no budgets yet', async () => {
    backend.on('GET', BUDGETS_URL, { data: { budgets: [] } });
    renderPage(<Budgets />);
    expect(await screen.findByText(/No budgets yet/)).toBeInTheDocument();
  });

  test('no accounts: says to add one first', async () => {
    backend.on('GET', PROVIDERS_URL, { data: providersBody([]) });
    backend.on('GET', BUDGETS_URL, { data: { budgets: [] } });
    renderPage(<Budgets />);
    expect(await screen.findByText('No provider accounts yet')).toBeInTheDocument();
  });

  test('adds and edits budgets, and PUTs only the API-managed ones without their source', async () => {
    backend.on('GET', BUDGETS_URL, { data: { budgets: [CONFIG_BUDGET, API_BUDGET] } });
    backend.on('PUT', BUDGETS_URL, { data: { budgets: [CONFIG_BUDGET, API_BUDGET] } });
    renderPage(<Budgets />);

    const existing = await row(/OpenAI main month/);
    await userEvent.clear(within(existing).getByLabelText('Amount (USD)'));
    await userEvent.type(within(existing).getByLabelText('Amount (USD)'), '750');
    await userEvent.click(screen.getByRole('button', { name: 'Add budget' }));
    const added = screen.getByRole('group', { name: 'New budget' });
    // jsdom lays nothing out, so Combobox's virtualised list shows no options: choose by typing.
    await userEvent.type(within(added).getAllByRole('combobox')[0], 'OpenAI{ArrowDown}{Enter}');
    // The only OpenAI account is chosen with the provider.
    expect(within(added).getAllByRole('combobox')[1]).toHaveValue('main');
    await userEvent.click(within(added).getByRole('radio', { name: 'Day' }));
    await userEvent.type(within(added).getByLabelText('Amount (USD)'), '25.5');
    await userEvent.click(screen.getByRole('button', { name: 'Save budgets' }));

    await waitFor(() => expect(backend.requestsTo('PUT', BUDGETS_URL)).toHaveLength(1));
    expect(backend.requestsTo('PUT', BUDGETS_URL)[0].data).toEqual({
      budgets: [
        { provider: 'openai', account: 'main', period: 'month', amountUsd: 750 },
        { provider: 'openai', account: 'main', period: 'day', amountUsd: 25.5 },
      ],
    });
    expect(await screen.findByText('Budgets saved')).toBeInTheDocument();
  }, 90_000);

  test('removing the last API budget PUTs an empty list', async () => {
    backend.on('GET', BUDGETS_URL, { data: { budgets: [API_BUDGET] } });
    backend.on('PUT', BUDGETS_URL, { data: { budgets: [] } });
    renderPage(<Budgets />);
    await userEvent.click(within(await row(/OpenAI main month/)).getByRole('button', { name: 'Remove this budget' }));
    await userEvent.click(screen.getByRole('button', { name: 'Save budgets' }));
    await waitFor(() => expect(backend.requestsTo('PUT', BUDGETS_URL)).toHaveLength(1));
    expect(backend.requestsTo('PUT', BUDGETS_URL)[0].data).toEqual({ budgets: [] });
  });

  test('checks amounts before sending', async () => {
    backend.on('GET', BUDGETS_URL, { data: { budgets: [API_BUDGET] } });
    renderPage(<Budgets />);
    const r = await row(/OpenAI main month/);
    await userEvent.clear(within(r).getByLabelText('Amount (USD)'));
    await userEvent.type(within(r).getByLabelText('Amount (USD)'), '-5');
    await userEvent.click(screen.getByRole('button', { name: 'Save budgets' }));
    expect(await within(r).findByText('Enter an amount greater than 0')).toBeInTheDocument();
    expect(backend.requestsTo('PUT', BUDGETS_URL)).toHaveLength(0);
  }, 90_000);

  test('shows the exporter’s validation errors on the row they name', async () => {
    backend.on('GET', BUDGETS_URL, { data: { budgets: [CONFIG_BUDGET, API_BUDGET] } });
    backend.on('PUT', BUDGETS_URL, {
      status: 400,
      data: {
        error: {
          code: 'VALIDATION_ERROR',
          message: 'the request is not valid',
          details: [{ field: 'budgets[0].account', message: 'no openai account named "main" exists' }],
        },
      },
    });
    renderPage(<Budgets />);
    const r = await row(/OpenAI main month/);
    await userEvent.clear(within(r).getByLabelText('Amount (USD)'));
    await userEvent.type(within(r).getByLabelText('Amount (USD)'), '600');
    await userEvent.click(screen.getByRole('button', { name: 'Save budgets' }));

    expect(await screen.findByText('Budgets were not saved')).toBeInTheDocument();
    expect(within(r).getByText('no openai account named "main" exists')).toBeInTheDocument();
  }, 90_000);

  test('exporter down while loading: error with the reason', async () => {
    backend.on('GET', BUDGETS_URL, { status: 502, data: '' });
    renderPage(<Budgets />);
    expect(await screen.findByText('Could not load budgets')).toBeInTheDocument();
    expect(screen.getByText(/Grafana cannot reach the exporter \(502 Bad Gateway\)/)).toBeInTheDocument();
  });

  test('says what a budget is for, before anything loads', async () => {
    backend.on('GET', BUDGETS_URL, { data: { budgets: [] } });
    renderPage(<Budgets />);
    expect(screen.getByText(/A budget is the most an account should spend/)).toBeInTheDocument();
    expect(await screen.findByText(/No budgets yet/)).toBeInTheDocument();
  });

  test('"Add budget" starts an empty row that says "Required" only when saved', async () => {
    backend.on('GET', BUDGETS_URL, { data: { budgets: [API_BUDGET] } });
    renderPage(<Budgets />);
    await row(/OpenAI main month/);
    await userEvent.click(screen.getByRole('button', { name: 'Add budget' }));
    const added = screen.getByRole('group', { name: 'New budget' });
    expect(within(added).getByLabelText('Amount (USD)')).toHaveValue('');
    expect(within(added).queryByText('Required')).not.toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Save budgets' }));
    expect(await within(added).findAllByText('Required')).toHaveLength(3);
    expect(backend.requestsTo('PUT', BUDGETS_URL)).toHaveLength(0);
  }, 90_000);

  test.each([
    [390, 450, 'ok', /^Within budget/, '78%'],
    [410, 450, 'warning', /^Almost used up \(NexusBudgetAlmostExhausted\)/, '82%'],
    [300, 600, 'warning', /^Forecast over budget \(NexusMonthEndForecastOverBudget\)/, '60%'],
    [550, 700, 'critical', /^Over budget \(NexusBudgetExceeded\)/, '110%'],
  ])(
    'spend %d with a forecast of %d of a $500 monthly budget is %s',
    async (spend, forecast, severity, verdict, share) => {
      backend.on('GET', BUDGETS_URL, { data: { budgets: [API_BUDGET] } });
      backend.on(
        'POST',
        '/api/ds/query',
        status({
          spend: [frame(spend, MAIN_MONTH), frame(1, { ...MAIN_MONTH, period: 'day' })],
          ratio: [frame(spend / 500, MAIN_MONTH)],
          forecast: [frame(forecast, { provider: 'openai', account: 'main' })],
        })
      );
      renderPage(<Budgets />);
      const line = await screen.findByTestId('data-testid nexus-budget-status-openai-main-month');
      expect(line).toHaveAttribute('data-severity', severity);
      expect(line).toHaveTextContent(verdict);
      expect(line).toHaveTextContent(`Spent $${spend}.00 of $500.00 this month (${share})`);
      expect(line).toHaveTextContent(`Forecast for the month: $${forecast}.00`);
      const body = backend.requestsTo('POST', '/api/ds/query')[0].data as {
        queries: Array<{ refId: string; expr: string }>;
      };
      expect(Object.fromEntries(body.queries.map((q) => [q.refId, q.expr]))).toEqual(BUDGET_STATUS_QUERIES);
    }
  );

  test('spend of one key only (scope="key") is marked, account-wide spend is not', async () => {
    const KEY_BUDGET = { provider: 'openrouter', account: 'team', period: 'month', amountUsd: 100, source: 'api' };
    const team = { provider: 'openrouter', account: 'team', period: 'month' };
    backend.on('GET', PROVIDERS_URL, {
      data: providersBody([
        account({ provider: 'openai', account: 'main' }),
        account({ provider: 'openrouter', account: 'team' }),
      ]),
    });
    backend.on('GET', BUDGETS_URL, { data: { budgets: [API_BUDGET, KEY_BUDGET] } });
    backend.on(
      'POST',
      '/api/ds/query',
      status({
        spend: [frame(40, { ...team, scope: 'key' }), frame(120, { ...MAIN_MONTH, scope: 'account' })],
        ratio: [frame(0.4, team), frame(120 / 500, MAIN_MONTH)],
      })
    );
    renderPage(<Budgets />);
    const key = await screen.findByTestId('data-testid nexus-budget-status-openrouter-team-month');
    expect(key).toHaveTextContent('Key-only spend');
    expect(key).toHaveTextContent('Spent $40.00 of $100.00 this month (40%)');
    const main = screen.getByTestId('data-testid nexus-budget-status-openai-main-month');
    expect(main).toHaveTextContent('Spent $120.00 of $500.00');
    expect(main).not.toHaveTextContent('Key-only spend');
  });

  test('without a Prometheus data source, says where to choose one and queries nothing', async () => {
    backend.on('GET', BUDGETS_URL, { data: { budgets: [API_BUDGET] } });
    renderPage(<Budgets />, appMeta({ exporterUrl: 'http://exporter:9464' }, { exporterToken: true }));
    expect(await screen.findByText('Spend is not shown')).toBeInTheDocument();
    await row(/OpenAI main month/);
    expect(backend.requestsTo('POST', '/api/ds/query')).toHaveLength(0);
  });
});
