import React from 'react';
import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import Providers, { REFRESH_MS } from './Providers';
import { backend, installBackend } from '../../test/backend';
import { API, account, appMeta, providersBody } from '../../test/fixtures';
import { renderPage } from '../../test/render';
import { testIds } from '../../components/testIds';
import type { SourceState } from '../../api/exporter.types';

const PROVIDERS_URL = `${API}/providers`;
const OPENAI_MAIN = `${API}/providers/openai/accounts/main`;

const PROD_ID = '3c90c3cc-0d44-4b50-8888-8dd25736052a';
const STAGING_ID = '7a1e5f20-9b3d-4c6e-a2f8-1d4b6c8e0f13';
const UNNAMED_ID = '0b6d2c61-5e0f-4a57-9a43-2f1e8c7d6b5a';
const TWILIO_OPS = `${API}/providers/twilio/accounts/ops`;
const SID = 'AC00000000000000000000000000000001';
const SUB1 = 'AC00000000000000000000000000000002';
const SUB2 = 'AC00000000000000000000000000000003';

const openaiMain = account({
  provider: 'openai',
  account: 'main',
  credentials: { adminKey: { set: true, last4: 'f00d' }, projectKey: { set: true, last4: 'beef' } },
});

// Nearly every test here renders and fills an account form: on a loaded 2-core machine one may take
// well over jest's 30 s default (the whole file took 7 minutes there).
jest.setTimeout(90_000);

beforeEach(() => {
  installBackend();
});

/** A form input by its Field label (the label also holds the description, hence the prefix match). */
const input = (form: HTMLElement, label: string) =>
  within(form).getByLabelText(new RegExp(`^${label.replace(/[()]/g, '\\$&')}`));

const card = (provider: string, name: string) => screen.findByTestId(testIds.providers.account(provider, name));

/** Pastes into an input, as one does with a key or a SID: typing them key by key is slow on a loaded machine. */
const fill = async (el: HTMLElement, text: string) => {
  await userEvent.click(el);
  await userEvent.paste(text);
};

describe('Providers page', () => {
  test('asks for the exporter settings first and calls nothing', async () => {
    renderPage(<Providers />, appMeta({ exporterUrl: 'http://exporter:9464' }));
    expect(await screen.findByText('Connect the exporter first')).toBeInTheDocument();
    expect(backend.requests()).toHaveLength(0);
  });

  test('shows every provider with its accounts, their status, last error and key previews', async () => {
    backend.on('GET', PROVIDERS_URL, {
      data: providersBody([
        openaiMain,
        account({
          provider: 'openrouter',
          account: 'team',
          up: false,
          lastError: { at: '2026-01-15T09:59:00.000Z', reason: 'auth', message: 'GET /key: 401 Invalid API key' },
          credentials: { apiKey: { set: true, last4: '1234' } },
        }),
        account({
          provider: 'twilio',
          account: 'ops',
          source: 'config',
          settings: { accountSid: 'AC00000000000000000000000000000000' },
        }),
        account({ provider: 'apollo', account: 'sales', enabled: false }),
      ]),
    });
    renderPage(<Providers />);

    const openai = await card('openai', 'main');
    expect(within(openai).getByText('Up')).toBeInTheDocument();
    expect(within(openai).getByText('Admin key: …f00d · Project key: …beef')).toBeInTheDocument();

    const openrouter = await card('openrouter', 'team');
    expect(within(openrouter).getByText('Down')).toBeInTheDocument();
    expect(within(openrouter).getByText(/GET \/key: 401 Invalid API key/)).toBeInTheDocument();

    const twilio = await card('twilio', 'ops');
    expect(within(twilio).getByText('Config file')).toBeInTheDocument();
    expect(within(twilio).queryByRole('button', { name: /Edit/ })).not.toBeInTheDocument();
    expect(within(twilio).queryByRole('button', { name: /Delete/ })).not.toBeInTheDocument();

    expect(within(await card('apollo', 'sales')).getByText('Disabled')).toBeInTheDocument();
    expect(screen.getByText('No Exa accounts.')).toBeInTheDocument();
    expect(screen.getByText(/^4 accounts\./)).toBeInTheDocument();
  });

  test('a partial account says which sources fail and why, by key name, apart from a down one', async () => {
    const exaKey = (id: string, name: string | null, patch: Partial<SourceState> = {}): SourceState => ({
      source: `exa.usage:${id}`,
      up: true,
      lastRead: '2026-01-15T10:00:00.000Z',
      lastError: null,
      project: id,
      name,
      ...patch,
    });
    backend.on('GET', PROVIDERS_URL, {
      data: providersBody([
        account({
          provider: 'exa',
          account: 'team',
          up: false,
          lastPollResult: 'partial',
          lastSuccess: null,
          lastRead: '2026-01-15T10:00:00.000Z',
          lastError: { at: '2026-01-15T10:00:00.000Z', reason: 'server', message: 'usage: HTTP 500' },
          sources: [
            {
              source: 'exa.keys',
              up: true,
              lastRead: '2026-01-15T10:00:00.000Z',
              lastError: null,
              project: null,
              name: null,
            },
            exaKey(PROD_ID, 'Production'),
            exaKey(STAGING_ID, 'Staging', {
              up: false,
              lastRead: null,
              lastError: {
                at: '2026-01-15T10:00:00.000Z',
                reason: 'server',
                message: '/api-keys/{id}/usage: HTTP 500: internal error',
              },
            }),
            exaKey(UNNAMED_ID, null, {
              up: false,
              lastRead: '2026-01-14T10:00:00.000Z',
              lastError: { at: '2026-01-15T10:00:00.000Z', reason: 'client', message: 'API key not found.' },
            }),
          ],
        }),
        account({
          provider: 'openrouter',
          account: 'team',
          up: false,
          lastPollResult: 'failure',
          lastError: { at: '2026-01-15T09:59:00.000Z', reason: 'auth', message: 'GET /key: 401 Invalid API key' },
          // A poll that failed as a whole leaves the sources it never reached as they were.
          sources: [
            {
              source: 'openrouter.key',
              up: true,
              lastRead: '2026-01-15T09:00:00.000Z',
              lastError: null,
              project: null,
              name: null,
            },
          ],
        }),
      ]),
    });
    renderPage(<Providers />);

    const exa = await card('exa', 'team');
    expect(within(exa).getByTestId(testIds.providers.status('exa', 'team'))).toHaveTextContent(
      'Partial: 2 of 4 sources failing'
    );
    const failing = within(within(exa).getByRole('list', { name: 'Failing sources' })).getAllByRole('listitem');
    expect(failing.map((li) => li.textContent)).toEqual([
      expect.stringMatching(
        /^exa\.usage: Staging is failing \(server, .+\): \/api-keys\/\{id\}\/usage: HTTP 500: internal error\. It has never been read, so it has no metrics yet\.$/
      ),
      expect.stringMatching(
        new RegExp(
          `^exa\\.usage: ${UNNAMED_ID} is failing \\(client, .+\\): API key not found\\. Its metrics keep the values read .+ ago\\.$`
        )
      ),
    ]);
    // The key's id is only in the tooltip of a named key, never its text.
    expect(within(exa).queryByText(new RegExp(STAGING_ID))).not.toBeInTheDocument();
    expect(failing[0]).toHaveAttribute('title', `exa.usage:${STAGING_ID}`);
    // The last error is the failing sources'; it is not repeated as the account's.
    expect(within(exa).queryByText(/^Last error/)).not.toBeInTheDocument();

    await userEvent.click(within(exa).getByRole('button', { name: 'Sources (2 of 4 up)' }));
    const all = within(within(exa).getByRole('list', { name: 'Sources of team' })).getAllByRole('listitem');
    expect(all.map((li) => li.textContent?.replace(/ read .*| never read$/, ''))).toEqual([
      'exa.keys',
      'exa.usage: Production',
      'exa.usage: Staging',
      `exa.usage: ${UNNAMED_ID}`,
    ]);
    expect(within(all[2]).getByLabelText('failing')).toBeInTheDocument();
    expect(all[2]).toHaveTextContent(/never read$/);

    const openrouter = await card('openrouter', 'team');
    expect(within(openrouter).getByTestId(testIds.providers.status('openrouter', 'team'))).toHaveTextContent(/^Down$/);
    expect(within(openrouter).getByText(/GET \/key: 401 Invalid API key/)).toBeInTheDocument();
    expect(within(openrouter).queryByRole('list', { name: 'Failing sources' })).not.toBeInTheDocument();
  });

  test('an account whose spend covers its key(s) only (spendScope "key") is marked key-only, an account-wide one is not', async () => {
    backend.on('GET', PROVIDERS_URL, {
      data: providersBody([
        account({ provider: 'openrouter', account: 'org', spendScope: 'account' }),
        account({ provider: 'openrouter', account: 'team', spendScope: 'key' }),
        account({ provider: 'exa', account: 'search', spendScope: 'key', settings: { apiKeyIds: [PROD_ID] } }),
        account({ provider: 'apollo', account: 'sales', spendScope: null }),
      ]),
    });
    renderPage(<Providers />);
    for (const [provider, name] of [
      ['openrouter', 'team'],
      ['exa', 'search'],
    ]) {
      expect(within(await card(provider, name)).getByText('Key-only spend')).toBeInTheDocument();
    }
    for (const [provider, name] of [
      ['openrouter', 'org'],
      ['apollo', 'sales'],
    ]) {
      expect(within(await card(provider, name)).queryByText('Key-only spend')).not.toBeInTheDocument();
    }
  });

  test('empty state: no accounts anywhere', async () => {
    backend.on('GET', PROVIDERS_URL, { data: providersBody([]) });
    renderPage(<Providers />);
    expect(await screen.findByText(/No provider accounts yet/)).toBeInTheDocument();
    for (const title of ['OpenAI', 'OpenRouter', 'Exa', 'Twilio', 'Apollo.io']) {
      expect(screen.getByText(`No ${title} accounts.`)).toBeInTheDocument();
    }
  });

  test('exporter down: says Grafana cannot reach it, and Retry loads again', async () => {
    backend.once('GET', PROVIDERS_URL, { status: 502, data: 'Bad Gateway' });
    backend.on('GET', PROVIDERS_URL, { data: providersBody([openaiMain]) });
    renderPage(<Providers />);

    expect(await screen.findByText('Could not load provider accounts')).toBeInTheDocument();
    expect(screen.getByText(/Grafana cannot reach the exporter \(502 Bad Gateway\)/)).toBeInTheDocument();
    expect(screen.queryByText('Auto-refresh is paused')).not.toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Retry' }));
    expect(await card('openai', 'main')).toBeInTheDocument();
    expect(backend.requestsTo('GET', PROVIDERS_URL)).toHaveLength(2);
  });

  test('wrong admin token: says the exporter rejected it', async () => {
    backend.on('GET', PROVIDERS_URL, {
      status: 401,
      data: { error: { code: 'UNAUTHORIZED', message: 'missing or wrong bearer token' } },
    });
    renderPage(<Providers />);
    expect(
      await screen.findByText(/The exporter rejected the admin token \(401\): missing or wrong bearer token/)
    ).toBeInTheDocument();
    expect(screen.getByText('Auto-refresh is paused')).toBeInTheDocument();
  });

  test.each([401, 403, 429])('after a %i the page stops refreshing on its own', async (status) => {
    let view: ReturnType<typeof renderPage> | undefined;
    jest.useFakeTimers();
    try {
      backend.on('GET', PROVIDERS_URL, { status, data: { error: { code: 'X', message: 'no' } } });
      view = renderPage(<Providers />);
      expect(await screen.findByText('Auto-refresh is paused')).toBeInTheDocument();
      for (let i = 0; i < 6; i++) {
        await act(async () => {
          jest.advanceTimersByTime(REFRESH_MS);
        });
      }
      expect(backend.requestsTo('GET', PROVIDERS_URL)).toHaveLength(1);
    } finally {
      view?.unmount(); // its interval belongs to the fake clock
      jest.useRealTimers();
    }
  });

  test('after a 502 it keeps refreshing: the exporter may come back', async () => {
    let view: ReturnType<typeof renderPage> | undefined;
    jest.useFakeTimers();
    try {
      backend.on('GET', PROVIDERS_URL, { status: 502, data: '' });
      view = renderPage(<Providers />);
      expect(await screen.findByText('Could not load provider accounts')).toBeInTheDocument();
      for (let i = 0; i < 2; i++) {
        await act(async () => {
          jest.advanceTimersByTime(REFRESH_MS);
        });
      }
      expect(backend.requestsTo('GET', PROVIDERS_URL)).toHaveLength(3);
    } finally {
      view?.unmount(); // its interval belongs to the fake clock
      jest.useRealTimers();
    }
  });

  test('adds an account: sends the typed fields only, then shows the new account', async () => {
    backend.once('GET', PROVIDERS_URL, { data: providersBody([]) });
    backend.on('GET', PROVIDERS_URL, { data: providersBody([openaiMain]) });
    backend.on('PUT', OPENAI_MAIN, { status: 201, data: openaiMain });
    renderPage(<Providers />);

    await userEvent.click(await screen.findByRole('button', { name: 'Add OpenAI account' }));
    const form = screen.getByRole('form', { name: 'New OpenAI account' });
    await userEvent.type(input(form, 'Account name'), 'main');
    await userEvent.type(input(form, 'Admin key'), 'sk-admin-secret-f00d');
    await userEvent.clear(input(form, 'Poll interval (seconds)'));
    await userEvent.type(input(form, 'Poll interval (seconds)'), '60');
    await userEvent.click(within(form).getByRole('button', { name: 'Add account' }));

    expect(await card('openai', 'main')).toBeInTheDocument();
    expect(backend.requestsTo('PUT', OPENAI_MAIN)).toEqual([
      {
        method: 'PUT',
        url: OPENAI_MAIN,
        data: { adminKey: 'sk-admin-secret-f00d', pollIntervalSeconds: 60, enabled: true },
      },
    ]);
    expect(screen.queryByRole('form', { name: 'New OpenAI account' })).not.toBeInTheDocument();
  });

  test('shows the exporter’s validation errors on the fields they name', async () => {
    backend.on('GET', PROVIDERS_URL, { data: providersBody([]) });
    backend.on('PUT', `${API}/providers/twilio/accounts/ops`, {
      status: 400,
      data: {
        error: {
          code: 'VALIDATION_ERROR',
          message: 'the request is not valid',
          details: [
            { field: 'accountSid', message: 'must be an Account SID: "AC" followed by 32 hex characters' },
            { field: 'authToken', message: 'credentials are required: authToken, or apiKeySid with apiKeySecret' },
            { field: 'costCategories', message: 'unknown field' },
          ],
        },
      },
    });
    renderPage(<Providers />);

    await userEvent.click(await screen.findByRole('button', { name: 'Add Twilio account' }));
    const form = screen.getByRole('form', { name: 'New Twilio account' });
    await userEvent.type(input(form, 'Account name'), 'ops');
    await userEvent.type(input(form, 'Account SID'), 'AC123');
    await userEvent.click(within(form).getByRole('button', { name: 'Add account' }));

    expect(await within(form).findByText('Check the highlighted fields')).toBeInTheDocument();
    expect(within(form).getByText('must be an Account SID: "AC" followed by 32 hex characters')).toBeInTheDocument();
    expect(
      within(form).getByText('credentials are required: authToken, or apiKeySid with apiKeySecret')
    ).toBeInTheDocument();
    expect(within(form).getByText('costCategories: unknown field')).toBeInTheDocument();
    expect(backend.requestsTo('PUT', `${API}/providers/twilio/accounts/ops`)[0].data).toEqual({
      accountSid: 'AC123',
      enabled: true,
    });
  });

  test('an empty new account says "Required" for the name and the required key, and calls nothing', async () => {
    backend.on('GET', PROVIDERS_URL, { data: providersBody([]) });
    renderPage(<Providers />);
    await userEvent.click(await screen.findByRole('button', { name: 'Add OpenAI account' }));
    const form = screen.getByRole('form', { name: 'New OpenAI account' });
    for (const input of within(form).getAllByRole('textbox')) {
      expect(input).not.toHaveAttribute('placeholder');
    }
    await userEvent.click(within(form).getByRole('button', { name: 'Add account' }));
    expect(await within(form).findAllByText('Required')).toHaveLength(2);
    expect(within(form).queryByText(/Use 1-63 letters/)).not.toBeInTheDocument();
    expect(backend.requests().filter((r) => r.method !== 'GET')).toHaveLength(0);
  });

  test('rejects an invalid account name before calling the exporter', async () => {
    backend.on('GET', PROVIDERS_URL, { data: providersBody([]) });
    renderPage(<Providers />);
    await userEvent.click(await screen.findByRole('button', { name: 'Add Exa account' }));
    const form = screen.getByRole('form', { name: 'New Exa account' });
    await userEvent.type(input(form, 'Account name'), '-bad/name');
    await userEvent.click(within(form).getByRole('button', { name: 'Add account' }));
    expect(await within(form).findByText(/Use 1-63 letters/)).toBeInTheDocument();
    expect(backend.requestsTo('PUT', `${API}/providers/exa/accounts/-bad/name`)).toHaveLength(0);
    expect(backend.requests().filter((r) => r.method !== 'GET')).toHaveLength(0);
  });

  test('edit keeps untouched secrets (omitted) and removes a reset optional one (null)', async () => {
    backend.on('GET', PROVIDERS_URL, { data: providersBody([openaiMain]) });
    backend.on('PUT', OPENAI_MAIN, { data: openaiMain });
    renderPage(<Providers />);

    await userEvent.click(within(await card('openai', 'main')).getByRole('button', { name: /Edit/ }));
    const form = screen.getByRole('form', { name: 'Edit OpenAI account main' });
    expect(within(form).getByText(/Stored: …f00d/)).toBeInTheDocument();
    const resets = within(form).getAllByRole('button', { name: 'Reset' });
    await userEvent.click(resets[1]); // Project key
    const interval = input(form, 'Poll interval (seconds)');
    await userEvent.clear(interval);
    await userEvent.type(interval, '120');
    await userEvent.click(within(form).getByRole('button', { name: 'Save' }));

    await waitFor(() => expect(backend.requestsTo('PUT', OPENAI_MAIN)).toHaveLength(1));
    expect(backend.requestsTo('PUT', OPENAI_MAIN)[0].data).toEqual({ projectKey: null, pollIntervalSeconds: 120 });
  });

  test('tests an unsaved account with the typed fields and says why it failed', async () => {
    backend.on('GET', PROVIDERS_URL, { data: providersBody([]) });
    backend.on('POST', `${API}/providers/apollo/accounts/sales/test`, {
      data: {
        ok: false,
        latencyMs: 41.7,
        reason: 'auth',
        message: 'POST /usage_stats/api_usage_stats: 401 invalid api key',
      },
    });
    renderPage(<Providers />);
    await userEvent.click(await screen.findByRole('button', { name: 'Add Apollo.io account' }));
    const form = screen.getByRole('form', { name: 'New Apollo.io account' });
    await userEvent.type(input(form, 'Account name'), 'sales');
    await userEvent.type(input(form, 'API key'), 'apollo-key-000000');
    await userEvent.click(within(form).getByRole('button', { name: 'Test connection' }));

    expect(
      await within(form).findByText('Connection failed: The provider rejected the credentials')
    ).toBeInTheDocument();
    expect(within(form).getByText('POST /usage_stats/api_usage_stats: 401 invalid api key')).toBeInTheDocument();
    expect(backend.requestsTo('POST', `${API}/providers/apollo/accounts/sales/test`)[0].data).toEqual({
      apiKey: 'apollo-key-000000',
      enabled: true,
    });
    expect(backend.requests().filter((r) => r.method === 'PUT')).toHaveLength(0);
  });

  test('tests a stored account as it is polled (empty body)', async () => {
    backend.on('GET', PROVIDERS_URL, { data: providersBody([openaiMain]) });
    backend.on('POST', `${OPENAI_MAIN}/test`, { data: { ok: true, latencyMs: 123.4 } });
    renderPage(<Providers />);
    const c = await card('openai', 'main');
    await userEvent.click(within(c).getByRole('button', { name: /Test connection/ }));
    expect(await within(c).findByText('Connection OK (123 ms)')).toBeInTheDocument();
    expect(backend.requestsTo('POST', `${OPENAI_MAIN}/test`)[0].data).toEqual({});
  });

  test('deletes an account after confirmation', async () => {
    // The account is listed until the exporter has been asked to delete it (the page also refreshes on a timer).
    let deleted = false;
    backend.on('GET', PROVIDERS_URL, () => ({ data: providersBody(deleted ? [] : [openaiMain]) }));
    backend.on('DELETE', OPENAI_MAIN, () => {
      deleted = true;
      return { status: 204 };
    });
    renderPage(<Providers />);
    await userEvent.click(within(await card('openai', 'main')).getByRole('button', { name: 'Delete main' }));
    await userEvent.click(await screen.findByRole('button', { name: 'Delete' }));

    expect(await screen.findByText('No OpenAI accounts.')).toBeInTheDocument();
    expect(backend.requestsTo('DELETE', OPENAI_MAIN)).toHaveLength(1);
  });
  test('an OpenAI account reads project names unless switched off (the exporter’s default)', async () => {
    backend.on('GET', PROVIDERS_URL, { data: providersBody([]) });
    backend.on('PUT', OPENAI_MAIN, { status: 201, data: openaiMain });
    renderPage(<Providers />);
    await userEvent.click(await screen.findByRole('button', { name: 'Add OpenAI account' }));
    const form = screen.getByRole('form', { name: 'New OpenAI account' });
    const names = input(form, 'Read project names');
    expect(names).toBeChecked();
    await fill(input(form, 'Account name'), 'main');
    await fill(input(form, 'Admin key'), 'sk-admin-secret-f00d');
    await userEvent.click(names);
    await userEvent.click(within(form).getByRole('button', { name: 'Add account' }));
    await waitFor(() => expect(backend.requestsTo('PUT', OPENAI_MAIN)).toHaveLength(1));
    expect(backend.requestsTo('PUT', OPENAI_MAIN)[0].data).toEqual({
      adminKey: 'sk-admin-secret-f00d',
      projectNames: false,
      enabled: true,
    });
  });

  test('editing shows the stored option and sends it only when changed', async () => {
    const stored = account({ ...openaiMain, settings: { projectNames: false, lookbackDays: 3 } });
    backend.on('GET', PROVIDERS_URL, { data: providersBody([stored]) });
    backend.on('PUT', OPENAI_MAIN, { data: stored });
    renderPage(<Providers />);
    await userEvent.click(within(await card('openai', 'main')).getByRole('button', { name: /Edit/ }));
    const form = screen.getByRole('form', { name: 'Edit OpenAI account main' });
    expect(input(form, 'Read project names')).not.toBeChecked();
    await userEvent.click(within(form).getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(backend.requestsTo('PUT', OPENAI_MAIN)).toHaveLength(1));
    expect(backend.requestsTo('PUT', OPENAI_MAIN)[0].data).toEqual({});

    await userEvent.click(within(await card('openai', 'main')).getByRole('button', { name: /Edit/ }));
    const again = screen.getByRole('form', { name: 'Edit OpenAI account main' });
    await userEvent.click(input(again, 'Read project names'));
    await userEvent.click(within(again).getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(backend.requestsTo('PUT', OPENAI_MAIN)).toHaveLength(2));
    expect(backend.requestsTo('PUT', OPENAI_MAIN)[1].data).toEqual({ projectNames: true });
  });

  test('a Twilio account reads all its subaccounts, or the listed ones, with or without names', async () => {
    backend.on('GET', PROVIDERS_URL, { data: providersBody([]) });
    backend.on('POST', `${TWILIO_OPS}/test`, { data: { ok: true, latencyMs: 12 } });
    backend.on('PUT', TWILIO_OPS, { status: 201, data: account({ provider: 'twilio', account: 'ops' }) });
    renderPage(<Providers />);
    await userEvent.click(await screen.findByRole('button', { name: 'Add Twilio account' }));
    const form = screen.getByRole('form', { name: 'New Twilio account' });
    await fill(input(form, 'Account name'), 'ops');
    await fill(input(form, 'Account SID'), SID);
    await fill(input(form, 'Auth token'), 'twilio-auth-token-0000');
    expect(within(form).getByRole('radio', { name: 'None' })).toBeChecked();
    expect(input(form, 'Read subaccount names')).toBeChecked();

    await userEvent.click(within(form).getByRole('radio', { name: 'All' }));
    await userEvent.click(within(form).getByRole('button', { name: 'Test connection' }));
    await within(form).findByText(/Connection OK/);
    expect(backend.requestsTo('POST', `${TWILIO_OPS}/test`)[0].data).toEqual({
      accountSid: SID,
      authToken: 'twilio-auth-token-0000',
      subaccounts: 'all',
      enabled: true,
    });

    // A list is checked against the exporter's own SID pattern before anything is sent.
    await userEvent.click(within(form).getByRole('radio', { name: 'Listed' }));
    await userEvent.click(within(form).getByRole('button', { name: 'Add account' }));
    expect(await within(form).findByText('Enter at least one subaccount SID, or choose All')).toBeInTheDocument();
    const sids = within(form).getByLabelText(/^Subaccount SIDs/);
    await fill(sids, `${SUB1}\nAC123, ${SUB2}`);
    await userEvent.click(within(form).getByRole('button', { name: 'Add account' }));
    expect(
      await within(form).findByText('Not a subaccount SID ("AC" and 32 hex characters): AC123')
    ).toBeInTheDocument();
    expect(backend.requestsTo('PUT', TWILIO_OPS)).toHaveLength(0);

    await userEvent.clear(sids);
    await fill(sids, `${SUB1}, ${SUB2}`);
    await userEvent.click(input(form, 'Read subaccount names'));
    await userEvent.click(within(form).getByRole('button', { name: 'Add account' }));
    await waitFor(() => expect(backend.requestsTo('PUT', TWILIO_OPS)).toHaveLength(1));
    expect(backend.requestsTo('PUT', TWILIO_OPS)[0].data).toEqual({
      accountSid: SID,
      authToken: 'twilio-auth-token-0000',
      subaccounts: [SUB1, SUB2],
      subaccountNames: false,
      enabled: true,
    });
  });

  test('puts the exporter’s error on a listed subaccount on the field, naming the SID; None removes the list', async () => {
    const ops = account({
      provider: 'twilio',
      account: 'ops',
      settings: { accountSid: SID, subaccounts: [SUB1, SUB2], subaccountNames: true },
      credentials: { authToken: { set: true, last4: '0000' } },
    });
    backend.on('GET', PROVIDERS_URL, { data: providersBody([ops]) });
    backend.once('PUT', TWILIO_OPS, {
      status: 400,
      data: {
        error: {
          code: 'VALIDATION_ERROR',
          message: 'the request is not valid',
          details: [{ field: 'subaccounts[1]', message: 'is this account itself' }],
        },
      },
    });
    backend.on('PUT', TWILIO_OPS, { data: ops });
    renderPage(<Providers />);
    await userEvent.click(within(await card('twilio', 'ops')).getByRole('button', { name: /Edit/ }));
    const form = screen.getByRole('form', { name: 'Edit Twilio account ops' });
    const sids = within(form).getByLabelText(/^Subaccount SIDs/);
    expect(sids).toHaveValue(`${SUB1}\n${SUB2}`);
    await userEvent.clear(sids);
    await fill(sids, `${SUB1}\n${SID}`);
    await userEvent.click(within(form).getByRole('button', { name: 'Save' }));
    expect(await within(form).findByText(`${SID}: is this account itself`)).toBeInTheDocument();
    expect(within(form).queryByText(/subaccounts\[1\]/)).not.toBeInTheDocument();

    await userEvent.click(within(form).getByRole('radio', { name: 'None' }));
    await userEvent.click(within(form).getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(backend.requestsTo('PUT', TWILIO_OPS)).toHaveLength(2));
    expect(backend.requestsTo('PUT', TWILIO_OPS)[1].data).toEqual({ subaccounts: null });
  });

  test('a full or read-only exporter disk (507) is said plainly, for a save and for a delete', async () => {
    const full = {
      status: 507,
      data: {
        error: {
          code: 'INSUFFICIENT_STORAGE',
          message: 'the change was not saved: the state directory cannot be written (ENOSPC); nothing was changed',
        },
      },
    };
    backend.on('GET', PROVIDERS_URL, { data: providersBody([openaiMain]) });
    backend.on('PUT', OPENAI_MAIN, full);
    backend.on('DELETE', OPENAI_MAIN, full);
    renderPage(<Providers />);
    const c = await card('openai', 'main');
    await userEvent.click(within(c).getByRole('button', { name: /Edit/ }));
    const form = screen.getByRole('form', { name: 'Edit OpenAI account main' });
    await userEvent.clear(input(form, 'Poll interval (seconds)'));
    await fill(input(form, 'Poll interval (seconds)'), '600');
    await userEvent.click(within(form).getByRole('button', { name: 'Save' }));
    expect(await within(form).findByText('Nothing was saved')).toBeInTheDocument();
    expect(within(form).getByText(/^The exporter's disk is full or read-only; nothing was saved/)).toBeInTheDocument();
    await userEvent.click(within(form).getByRole('button', { name: 'Cancel' }));

    await userEvent.click(within(c).getByRole('button', { name: 'Delete main' }));
    await userEvent.click(await screen.findByRole('button', { name: 'Delete' }));
    expect(
      await within(c).findByText(/^The exporter's disk is full or read-only; nothing was saved/)
    ).toBeInTheDocument();
    expect(await card('openai', 'main')).toBeInTheDocument();
  });
});
