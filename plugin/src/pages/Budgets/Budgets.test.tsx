import React from 'react';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import Budgets from './Budgets';
import { backend, installBackend } from '../../test/backend';
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

beforeEach(() => {
  installBackend();
  backend.on('GET', PROVIDERS_URL, { data: ACCOUNTS });
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
    const added = screen.getAllByRole('group', { name: /^Budget / }).at(-1)!;
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
  });

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
  });

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
  });

  test('exporter down while loading: error with the reason', async () => {
    backend.on('GET', BUDGETS_URL, { status: 502, data: '' });
    renderPage(<Budgets />);
    expect(await screen.findByText('Could not load budgets')).toBeInTheDocument();
    expect(screen.getByText(/Grafana could not reach the exporter \(502\)/)).toBeInTheDocument();
  });
});
