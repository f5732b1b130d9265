import React from 'react';
import { render } from '@testing-library/react';
import { MemoryRouter } from 'react-router-dom';
import type { AppPluginMeta } from '@grafana/data';
import type { AppSettings } from '../types';
import { AppMetaProvider } from '../utils/appMeta';
import { CONFIGURED } from './fixtures';

/** Renders a page inside a router and the app's meta context, as Grafana and App do. */
export function renderPage(ui: React.ReactElement, meta: AppPluginMeta<AppSettings> = CONFIGURED) {
  return render(ui, {
    wrapper: ({ children }) => (
      <MemoryRouter future={{ v7_startTransition: true, v7_relativeSplatPath: true }}>
        <AppMetaProvider meta={meta}>{children}</AppMetaProvider>
      </MemoryRouter>
    ),
  });
}
