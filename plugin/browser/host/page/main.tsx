// The page of the plugin test host: the Grafana frontend reduced to what an app plugin touches. It
// loads the *built* plugin (dist/module.js and its chunks, from public/plugins/<id>/) with Grafana's
// SystemJS loader and shared dependencies (systemjs.ts, sharedDependencies.ts), and renders it the way
// grafana/grafana renders apps (stored copies read 2026-11-29):
//   public/app/features/plugins/components/AppRootPage.tsx  GET /api/plugins/<id>/settings, import
//       meta.module, plugin.init(meta), then <plugin.root meta basename path query onNavChanged> under
//       the route /a/<id>/*, inside PluginContextProvider;
//   public/app/features/plugins/admin/pages/PluginDetails.tsx and hooks/usePluginDetailsTabs.tsx  the
//       plugin page /plugins/<id>: `?page=<config page id>`, by default the first config page for
//       users who may write plugins (org Admins), else the overview;
//   public/app/core/navigation/patch/interceptLinkClicks.ts  in-app links go through locationService;
//   public/app/AppWrapper.tsx  React Router 5's Router on locationService's history with CompatRouter,
//       so React Router 6 routes (what plugins use, through `react-router`) see the same location.
// @grafana/runtime is the real package; only its service hooks are filled in: backendSrv (Grafana's
// fetch and 401 handling, backendSrv.ts), dataSourceSrv (dataSourceSrv.ts), PluginPage, appEvents, echo.
import { initSystemJS, importPluginModule } from './systemjs';
import React, { useEffect, useMemo, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { Router } from 'host:react-router-dom-v5';
import { CompatRouter, Route, Routes, useLocation, useParams } from 'host:react-router-dom-v5-compat';
import {
  AppPlugin,
  AppEvents,
  EventBusSrv,
  PluginContextProvider,
  locationUtil,
  type AppPluginMeta,
  type DataSourceInstanceSettings,
  type NavModel,
  type PluginMeta,
} from '@grafana/data';
import {
  config,
  getBackendSrv,
  locationService,
  setAppEvents,
  setBackendSrv,
  setDataSourceSrv,
  setEchoSrv,
  type PluginPageProps,
} from '@grafana/runtime';
// Resolved by build.mts to @grafana/runtime's own PluginPage module (its index does not export the setter).
import { setPluginPage } from 'host:runtime-plugin-page';
import { Alert, GlobalStyles, LoadingPlaceholder, Stack, Text, TextLink, ThemeContext, useStyles2 } from '@grafana/ui';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { asBackendSrv, HostBackendSrv } from './backendSrv';
import { asDataSourceSrv, HostDataSourceSrv } from './dataSourceSrv';
import { sharedDependenciesMap } from './sharedDependencies';

interface HostBoot {
  pluginId: string;
  pluginName: string;
  includes: Array<{ type: string; name: string; path: string; role?: string; addToNav?: boolean }>;
}

const host = (window as unknown as { __nexusHost: HostBoot }).__nexusHost;
const user = config.bootData.user;
const appEvents = new EventBusSrv();

initSystemJS(sharedDependenciesMap);
setAppEvents(appEvents);
setBackendSrv(asBackendSrv(new HostBackendSrv({ orgId: user.orgId, isSignedIn: user.isSignedIn }, appEvents)));
setDataSourceSrv(
  asDataSourceSrv(
    new HostDataSourceSrv(
      config.datasources as unknown as Record<string, DataSourceInstanceSettings>,
      config.defaultDatasource
    )
  )
);
setEchoSrv({
  isEnabled: () => false,
  addBackend: () => undefined,
  addEvent: () => undefined,
  logDebug: () => undefined,
} as unknown as Parameters<typeof setEchoSrv>[0]);

const ROLE_RANK: Record<string, number> = { Viewer: 1, Editor: 2, Admin: 3 };
const canSee = (role?: string) => (ROLE_RANK[user.orgRole] ?? 0) >= (ROLE_RANK[role ?? 'Viewer'] ?? 1);

/** interceptLinkClicks: in-app links change the route instead of reloading the page. */
function interceptLinkClicks(e: MouseEvent) {
  const anchor = e.target instanceof HTMLElement ? e.target.closest('a') : null;
  if (!anchor || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey) {
    return;
  }
  let href = anchor.getAttribute('href');
  const target = anchor.getAttribute('target');
  if (href && !target) {
    e.preventDefault();
    href = locationUtil.stripBaseFromUrl(href);
    if (href[0] !== '/') {
      if (href.includes('://') || /^\s*mailto:/i.test(href)) {
        window.location.href = href;
        return;
      } else if (href.indexOf('#') === 0) {
        window.location.hash = href;
        return;
      }
      href = `/${href}`;
    }
    locationService.push(href);
  }
}

function getStyles(theme: GrafanaTheme2) {
  return {
    shell: css({ display: 'grid', gridTemplateColumns: '220px 1fr', minHeight: '100vh' }),
    nav: css({
      background: theme.colors.background.secondary,
      borderRight: `1px solid ${theme.colors.border.weak}`,
      padding: theme.spacing(2),
      display: 'flex',
      flexDirection: 'column',
      gap: theme.spacing(1),
    }),
    main: css({ padding: theme.spacing(3, 4), minWidth: 0 }),
    toasts: css({ position: 'fixed', top: theme.spacing(2), right: theme.spacing(2), width: 400, zIndex: 10000 }),
  };
}

function Nav() {
  const s = useStyles2(getStyles);
  const { pathname } = useLocation();
  const items = host.includes.filter((i) => i.type === 'page' && i.addToNav && canSee(i.role));
  return (
    <nav className={s.nav} aria-label="Grafana navigation">
      <Text weight="bold">{host.pluginName}</Text>
      {items.map((i) => (
        <TextLink
          key={i.path}
          href={i.path}
          color={pathname.startsWith(i.path) ? 'primary' : 'secondary'}
          inline={false}
        >
          {i.name}
        </TextLink>
      ))}
    </nav>
  );
}

/** Grafana's PluginPage: the page title from the app's navigation, then the page. */
function HostPluginPage({ children, pageNav, subTitle, actions }: PluginPageProps) {
  const { pathname } = useLocation();
  const include = host.includes.find((i) => i.type === 'page' && pathname.startsWith(i.path));
  return (
    <Stack direction="column" gap={2}>
      <Stack justifyContent="space-between" alignItems="center">
        <div>
          <Text element="h1">{pageNav?.text ?? include?.name ?? host.pluginName}</Text>
          {subTitle && <Text color="secondary">{subTitle}</Text>}
        </div>
        {actions}
      </Stack>
      <div>{children}</div>
    </Stack>
  );
}
setPluginPage(HostPluginPage);

async function importAppPlugin(meta: PluginMeta): Promise<AppPlugin> {
  const exports = await importPluginModule(meta.module, meta.info?.version);
  const plugin = (exports.plugin as AppPlugin | undefined) ?? new AppPlugin();
  plugin.init(meta);
  plugin.meta = meta;
  plugin.setComponentsFromLegacyExports(exports);
  return plugin;
}

function usePlugin(pluginId: string) {
  const [state, setState] = useState<{ plugin?: AppPlugin; error?: string }>({});
  useEffect(() => {
    getBackendSrv()
      .get<PluginMeta>(`/api/plugins/${pluginId}/settings`)
      .then(importAppPlugin)
      .then(
        (plugin) => {
          document.body.dataset.pluginLoaded = 'true';
          setState({ plugin });
        },
        (e) => {
          console.error('plugin failed to load', e);
          setState({ error: e instanceof Error ? e.message : JSON.stringify(e) });
        }
      );
  }, [pluginId]);
  return state;
}

function AppRootPage() {
  const { pluginId = '' } = useParams();
  const location = useLocation();
  const { plugin, error } = usePlugin(pluginId);
  const [, setNav] = useState<NavModel>();
  const query = useMemo(() => Object.fromEntries(new URLSearchParams(location.search)), [location.search]);
  if (error) {
    return <Alert title="App plugin failed to load">{error}</Alert>;
  }
  if (!plugin) {
    return <LoadingPlaceholder text="Loading app…" />;
  }
  if (!plugin.meta.enabled) {
    return <Alert title="App not enabled">This app is not enabled.</Alert>;
  }
  const Root = plugin.root!;
  return (
    <PluginContextProvider meta={plugin.meta}>
      <Root
        meta={plugin.meta as AppPluginMeta}
        basename={`/a/${pluginId}`}
        onNavChanged={setNav}
        query={query}
        path={location.pathname}
      />
    </PluginContextProvider>
  );
}

function PluginDetailsPage() {
  const { pluginId = '' } = useParams();
  const location = useLocation();
  const { plugin, error } = usePlugin(pluginId);
  if (error) {
    return <Alert title="Plugin failed to load">{error}</Alert>;
  }
  if (!plugin) {
    return <LoadingPlaceholder text="Loading plugin…" />;
  }
  const canWrite = user.orgRole === 'Admin';
  const pageId =
    new URLSearchParams(location.search).get('page') ?? (canWrite ? plugin.configPages?.[0]?.id : 'overview');
  const page = canWrite ? plugin.configPages?.find((p) => p.id === pageId) : undefined;
  return (
    <Stack direction="column" gap={2}>
      <Text element="h1">{plugin.meta.name}</Text>
      {page ? (
        <page.body plugin={plugin} query={Object.fromEntries(new URLSearchParams(location.search))} />
      ) : (
        <Text color="secondary">{plugin.meta.info.description}</Text>
      )}
    </Stack>
  );
}

function OtherGrafanaPage() {
  const { pathname } = useLocation();
  return <Text color="secondary">Grafana page {pathname} (not part of the plugin test host).</Text>;
}

function Toasts() {
  const s = useStyles2(getStyles);
  const [alerts, setAlerts] = useState<Array<{ type: string; text: string }>>([]);
  useEffect(() => {
    const subs = [AppEvents.alertSuccess, AppEvents.alertWarning, AppEvents.alertError].map((ev) =>
      appEvents.subscribe({ type: ev.name } as never, (e: { type: string; payload?: unknown[] }) =>
        setAlerts((a) => [...a, { type: e.type, text: (e.payload ?? []).filter(Boolean).join(': ') }])
      )
    );
    return () => subs.forEach((sub) => sub.unsubscribe());
  }, []);
  return (
    <div className={s.toasts}>
      {alerts.map((a, i) => (
        <Alert
          key={i}
          data-testid="host-toast"
          severity={a.type === 'alert-success' ? 'success' : a.type === 'alert-warning' ? 'warning' : 'error'}
          title={a.text}
        />
      ))}
    </div>
  );
}

function Shell() {
  const s = useStyles2(getStyles);
  return (
    <div className={s.shell}>
      <Nav />
      <main className={s.main}>
        <Routes>
          <Route path="/a/:pluginId/*" element={<AppRootPage />} />
          <Route path="/plugins/:pluginId" element={<PluginDetailsPage />} />
          <Route path="*" element={<OtherGrafanaPage />} />
        </Routes>
      </main>
      <Toasts />
    </div>
  );
}

document.addEventListener('click', interceptLinkClicks);
createRoot(document.getElementById('reactRoot')!).render(
  <ThemeContext.Provider value={config.theme2}>
    <GlobalStyles />
    <Router history={locationService.getHistory()}>
      <CompatRouter>
        <Shell />
      </CompatRouter>
    </Router>
  </ThemeContext.Provider>
);
