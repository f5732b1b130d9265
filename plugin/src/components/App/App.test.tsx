import React from 'react';
import { render, screen } from '@testing-library/react';
import { MemoryRouter, Route, Routes } from 'react-router-dom';
import type { AppRootProps } from '@grafana/data';
import App from './App';
import { appMeta } from '../../test/fixtures';

function renderAt(path: string) {
  const props = {
    meta: appMeta(),
    basename: '/a/nexus-apimonitor-app',
    path: '',
    query: {},
    onNavChanged: jest.fn(),
  } as unknown as AppRootProps;
  return render(
    // Grafana mounts the app root at /a/<plugin id>/*.
    <MemoryRouter
      initialEntries={[`/a/nexus-apimonitor-app${path}`]}
      future={{ v7_startTransition: true, v7_relativeSplatPath: true }}
    >
      <Routes>
        <Route path="/a/nexus-apimonitor-app/*" element={<App {...props} />} />
      </Routes>
    </MemoryRouter>
  );
}

describe('App routes', () => {
  test('an unknown path opens the Overview', async () => {
    renderAt('/nowhere');
    expect(await screen.findByText('Choose a Prometheus data source')).toBeInTheDocument();
  });

  test('/alerts opens the Alerts page', async () => {
    renderAt('/alerts');
    expect(await screen.findByText('Grafana Alerting: alert rules')).toBeInTheDocument();
  });

  test('/providers and /budgets need the exporter settings', async () => {
    renderAt('/providers');
    expect(await screen.findByText(/to manage provider accounts/)).toBeInTheDocument();
  });
});
