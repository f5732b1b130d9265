// The browser harness: the plugin's own pages, routed at the URLs Grafana uses, with @grafana/runtime
// replaced by runtime-shim.tsx. Query `?theme=light` renders the light theme.
import React from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter, Route, Routes } from 'react-router-dom';
import { createTheme, PluginType, type AppPluginMeta, type AppRootProps } from '@grafana/data';
import { GlobalStyles, LinkButton, Stack, ThemeContext } from '@grafana/ui';
import App from '../../src/components/App/App';
import AppConfig, { type AppConfigProps } from '../../src/components/AppConfig/AppConfig';
import type { AppSettings } from '../../src/types';

const ID = 'nexus-apimonitor-app';

async function main() {
  const mode = new URLSearchParams(window.location.search).get('theme') === 'light' ? 'light' : 'dark';
  const theme = createTheme({ colors: { mode } });
  const settings = await (await window.fetch(`/api/plugins/${ID}/settings`)).json();
  const meta = { ...settings, id: ID, name: 'Nexus API Monitor', type: PluginType.app } as AppPluginMeta<AppSettings>;
  const q = `?theme=${mode}`;
  const nav = (
    <Stack gap={1}>
      <LinkButton variant="secondary" href={`/plugins/${ID}${q}`}>
        Configuration
      </LinkButton>
      {['overview', 'providers', 'budgets', 'alerts'].map((p) => (
        <LinkButton key={p} variant="secondary" href={`/a/${ID}/${p}${q}`}>
          {p}
        </LinkButton>
      ))}
    </Stack>
  );
  createRoot(document.getElementById('root')!).render(
    <ThemeContext.Provider value={theme}>
      <GlobalStyles />
      <div style={{ padding: theme.spacing(3), display: 'flex', flexDirection: 'column', gap: theme.spacing(3) }}>
        {nav}
        <BrowserRouter future={{ v7_startTransition: true, v7_relativeSplatPath: true }}>
          <Routes>
            <Route
              path={`/plugins/${ID}`}
              element={<AppConfig {...({ plugin: { meta }, query: {} } as unknown as AppConfigProps)} />}
            />
            <Route
              path={`/a/${ID}/*`}
              element={
                <App
                  {...({ meta, basename: `/a/${ID}`, path: '', query: {} } as unknown as AppRootProps<AppSettings>)}
                />
              }
            />
          </Routes>
        </BrowserRouter>
      </div>
    </ThemeContext.Provider>
  );
  document.body.dataset.harnessReady = 'true';
}

main();
