import React from 'react';
import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import AppConfig, { type AppConfigProps } from './AppConfig';
import { testIds } from '../testIds';
import { backend, frame, installBackend, installDataSources } from '../../test/backend';
import { account, appMeta, providersBody } from '../../test/fixtures';
import type { AppSettings } from '../../types';
import { page } from '../../utils/reload';

const SETTINGS_URL = '/api/plugins/nexus-apimonitor-app/settings';
const PROVIDERS_URL = '/api/plugin-proxy/nexus-apimonitor-app/exporter/api/v1/providers';

// jsonData may hold keys the app does not know (kept on save), so it is not typed as AppSettings here.
function props(jsonData: Record<string, unknown> = {}, secureJsonFields: Record<string, boolean> = {}): AppConfigProps {
  return {
    plugin: { meta: appMeta(jsonData as AppSettings, secureJsonFields) },
    query: {},
  } as unknown as AppConfigProps;
}

const configured = () =>
  props({ exporterUrl: 'http://exporter:9464', prometheusDatasourceUid: 'prom-uid' }, { exporterToken: true });

let reloadSpy: jest.SpyInstance;

beforeEach(() => {
  installBackend();
  installDataSources();
  reloadSpy = jest.spyOn(page, 'reload').mockImplementation(() => undefined);
});

afterEach(() => reloadSpy.mockRestore());

describe('AppConfig', () => {
  test('shows the saved settings; the stored token is only shown as configured', () => {
    render(<AppConfig {...configured()} />);
    expect(screen.getByTestId(testIds.appConfig.exporterUrl)).toHaveValue('http://exporter:9464');
    expect(screen.getByTestId(testIds.appConfig.exporterToken)).toHaveValue('configured');
    expect(screen.getByTestId(testIds.appConfig.exporterToken)).toBeDisabled();
    expect(screen.getByRole('button', { name: 'Reset' })).toBeInTheDocument();
    expect(screen.getByText('Prometheus')).toBeInTheDocument();
  });

  test('saves URL, data source and a new token with the exact settings body, then reloads', async () => {
    backend.on('POST', SETTINGS_URL, { data: { message: 'Plugin settings updated' } });
    render(<AppConfig {...props({ somethingElse: 'kept' })} />);
    await userEvent.type(screen.getByTestId(testIds.appConfig.exporterUrl), 'http://exporter:9464/');
    await userEvent.type(screen.getByTestId(testIds.appConfig.exporterToken), 'admin-token-0123456789');
    await userEvent.click(screen.getByTestId(testIds.appConfig.save));

    await waitFor(() => expect(reloadSpy).toHaveBeenCalledTimes(1));
    expect(backend.requests()).toEqual([
      {
        method: 'POST',
        url: SETTINGS_URL,
        data: {
          enabled: true,
          pinned: true,
          jsonData: { somethingElse: 'kept', exporterUrl: 'http://exporter:9464' },
          secureJsonData: { exporterToken: 'admin-token-0123456789' },
        },
      },
    ]);
  });

  test('keeps the stored token when it was not touched: no secureJsonData is sent', async () => {
    backend.on('POST', SETTINGS_URL, { data: {} });
    render(<AppConfig {...configured()} />);
    const url = screen.getByTestId(testIds.appConfig.exporterUrl);
    await userEvent.clear(url);
    await userEvent.type(url, 'https://nexus.example.com');
    await userEvent.click(screen.getByTestId(testIds.appConfig.save));

    await waitFor(() => expect(backend.requests()).toHaveLength(1));
    const body = backend.requests()[0].data as Record<string, unknown>;
    expect(body).toEqual({
      enabled: true,
      pinned: true,
      jsonData: { exporterUrl: 'https://nexus.example.com', prometheusDatasourceUid: 'prom-uid' },
      secureJsonData: undefined,
    });
  });

  test('reset requires a new token before saving, then sends it', async () => {
    backend.on('POST', SETTINGS_URL, { data: {} });
    render(<AppConfig {...configured()} />);
    await userEvent.click(screen.getByRole('button', { name: 'Reset' }));
    await userEvent.click(screen.getByTestId(testIds.appConfig.save));
    expect(await screen.findByText('Required')).toBeInTheDocument();
    expect(backend.requests()).toHaveLength(0);

    await userEvent.type(screen.getByTestId(testIds.appConfig.exporterToken), 'rotated-token-0123456789');
    await userEvent.click(screen.getByTestId(testIds.appConfig.save));
    await waitFor(() => expect(backend.requests()).toHaveLength(1));
    expect(backend.requests()[0].data).toMatchObject({ secureJsonData: { exporterToken: 'rotated-token-0123456789' } });
  });

  test('rejects a URL that is not http(s) without calling Grafana', async () => {
    render(<AppConfig {...props({}, { exporterToken: true })} />);
    await userEvent.type(screen.getByTestId(testIds.appConfig.exporterUrl), 'exporter:9464');
    await userEvent.click(screen.getByTestId(testIds.appConfig.save));
    expect(await screen.findByText('Must be an http:// or https:// URL')).toBeInTheDocument();
    expect(backend.requests()).toHaveLength(0);
  });

  test('says why saving failed and does not reload', async () => {
    backend.on('POST', SETTINGS_URL, { status: 403, data: { message: 'You do not have permission' } });
    render(<AppConfig {...configured()} />);
    await userEvent.clear(screen.getByTestId(testIds.appConfig.exporterUrl));
    await userEvent.type(screen.getByTestId(testIds.appConfig.exporterUrl), 'http://other:9464');
    await userEvent.click(screen.getByTestId(testIds.appConfig.save));

    expect(await screen.findByText('Settings were not saved')).toBeInTheDocument();
    expect(screen.getByText(/Permission denied \(403\): You do not have permission/)).toBeInTheDocument();
    expect(reloadSpy).not.toHaveBeenCalled();
  });

  describe('Test connection', () => {
    test('is disabled until the settings are saved', async () => {
      render(<AppConfig {...props()} />);
      expect(screen.getByTestId(testIds.appConfig.check)).toBeDisabled();
      expect(screen.getByText('The test uses the saved settings: save first.')).toBeInTheDocument();
    });

    test('reports a connected exporter and Prometheus with the exporter metrics', async () => {
      backend.on('GET', PROVIDERS_URL, { data: providersBody([account({ provider: 'openai', account: 'main' })]) });
      backend.on('POST', '/api/ds/query', { data: { results: { build: { status: 200, frames: [frame(1)] } } } });
      render(<AppConfig {...configured()} />);
      await userEvent.click(screen.getByTestId(testIds.appConfig.check));

      expect(await screen.findByText('Exporter connected')).toBeInTheDocument();
      expect(screen.getByText(/1 provider account configured/)).toBeInTheDocument();
      expect(screen.getByText('Prometheus connected')).toBeInTheDocument();
      const [query] = backend.requestsTo('POST', '/api/ds/query');
      expect(query.data).toMatchObject({
        queries: [
          {
            refId: 'build',
            expr: 'count(nexus_exporter_build_info)',
            datasource: { type: 'prometheus', uid: 'prom-uid' },
            instant: true,
          },
        ],
      });
    });

    test('says the exporter is unreachable when Grafana answers 502', async () => {
      backend.on('GET', PROVIDERS_URL, { status: 502, data: 'Bad Gateway' });
      backend.on('POST', '/api/ds/query', { data: { results: { build: { frames: [frame(1)] } } } });
      render(<AppConfig {...configured()} />);
      await userEvent.click(screen.getByTestId(testIds.appConfig.check));

      expect(await screen.findByText('Grafana cannot reach the exporter')).toBeInTheDocument();
      expect(screen.getByText(/Grafana cannot reach the exporter \(502 Bad Gateway\)/)).toBeInTheDocument();
    });

    test('says when Grafana has no route for the call (the plugin files are not this version)', async () => {
      backend.on('GET', PROVIDERS_URL, { status: 404, data: { message: 'plugin route match not found' } });
      backend.on('POST', '/api/ds/query', { data: { results: { build: { frames: [frame(1)] } } } });
      render(<AppConfig {...configured()} />);
      await userEvent.click(screen.getByTestId(testIds.appConfig.check));
      expect(await screen.findByText('No proxy route in Grafana')).toBeInTheDocument();
      expect(screen.getByText(/Reinstall the plugin and restart Grafana/)).toBeInTheDocument();
    });

    test('says an organization Admin is needed when Grafana refuses the route (403)', async () => {
      backend.on('GET', PROVIDERS_URL, { status: 403, data: { message: 'plugin proxy route access denied' } });
      backend.on('POST', '/api/ds/query', { data: { results: { build: { frames: [frame(1)] } } } });
      render(<AppConfig {...configured()} />);
      await userEvent.click(screen.getByTestId(testIds.appConfig.check));
      expect(await screen.findByText('Organization Admin role needed')).toBeInTheDocument();
      expect(screen.getByText(/needs the organization Admin role/)).toBeInTheDocument();
      expect(screen.queryByText(/Grafana Admin/)).not.toBeInTheDocument();
    });

    test('says the token was rejected on 401', async () => {
      backend.on('GET', PROVIDERS_URL, {
        status: 401,
        data: { error: { code: 'UNAUTHORIZED', message: 'invalid admin token' } },
      });
      backend.on('POST', '/api/ds/query', { data: { results: { build: { frames: [frame(1)] } } } });
      render(<AppConfig {...configured()} />);
      await userEvent.click(screen.getByTestId(testIds.appConfig.check));

      expect(await screen.findByText('Admin token rejected')).toBeInTheDocument();
      expect(screen.getByText(/rejected the admin token \(401\): invalid admin token/)).toBeInTheDocument();
    });

    test('says when the exporter has no admin API at that URL (404)', async () => {
      backend.on('GET', PROVIDERS_URL, { status: 404, data: 'Cannot GET /api/v1/providers' });
      backend.on('POST', '/api/ds/query', { data: { results: { build: { frames: [frame(1)] } } } });
      render(<AppConfig {...configured()} />);
      await userEvent.click(screen.getByTestId(testIds.appConfig.check));
      expect(await screen.findByText('Admin API not found')).toBeInTheDocument();
    });

    test('warns when Prometheus has no exporter metrics', async () => {
      backend.on('GET', PROVIDERS_URL, { data: providersBody([]) });
      backend.on('POST', '/api/ds/query', { data: { results: { build: { status: 200, frames: [] } } } });
      render(<AppConfig {...configured()} />);
      await userEvent.click(screen.getByTestId(testIds.appConfig.check));

      expect(await screen.findByText('No exporter metrics in Prometheus')).toBeInTheDocument();
      expect(screen.getByText(/No provider accounts are configured yet/)).toBeInTheDocument();
    });
  });
});
