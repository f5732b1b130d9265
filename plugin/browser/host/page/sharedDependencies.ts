// What Grafana hands a plugin's `define([...])` instead of the plugin's own copies: the entries of
// grafana/grafana public/app/features/plugins/loader/sharedDependencies.ts (stored copy read 2026-11-29)
// that a React app plugin can ask for. The Angular-era entries (jquery and flot, app/core/*, slate, d3,
// prismjs, monaco/kusto, i18next) are left out on purpose: a module that asks for one fails to load in
// this host rather than getting something Grafana would give differently.
//
// The packages come from the @grafana/* version this host bundle was built for (build.mts): Grafana's
// own @grafana/data, @grafana/ui and @grafana/runtime, React 18, rxjs, @emotion/css, and for
// `react-router` what Grafana maps it to, react-router-dom-v5-compat (React Router 6) from @grafana/ui's
// dependencies; `react-router-dom` is React Router 5, as in Grafana.
import * as grafanaData from '@grafana/data';
import * as grafanaRuntime from '@grafana/runtime';
import * as grafanaUIraw from '@grafana/ui';

/**
 * A namespace as webpack builds it (Symbol.toStringTag "Module", live bindings): SystemJS.set keeps such
 * an object as it is, so `setPluginPage` after registration still reaches plugins, as in Grafana.
 */
function liveModule(ns: object): Module {
  const m: Module = Object.create(null);
  for (const key of Object.keys(ns)) {
    Object.defineProperty(m, key, { enumerable: true, get: () => (ns as Module)[key] });
  }
  Object.defineProperty(m, Symbol.toStringTag, { value: 'Module' });
  return m;
}

// Help the 6.4 to 6.5 migration: the base classes are on both import paths.
const grafanaUI: Record<string, unknown> = { ...grafanaUIraw };
grafanaUI.PanelPlugin = grafanaData.PanelPlugin;
grafanaUI.DataSourcePlugin = grafanaData.DataSourcePlugin;
grafanaUI.AppPlugin = grafanaData.AppPlugin;
grafanaUI.DataSourceApi = grafanaData.DataSourceApi;

type Module = Record<string, unknown>;

/**
 * A dynamically imported CommonJS package as webpack (Grafana's bundler) hands it out: its exports as
 * named exports plus `default`. esbuild's namespace of a CommonJS module only has `default`.
 */
const lazy = (load: () => Promise<Module>) => async (): Promise<Module> => {
  const m = await load();
  const d = m.default;
  return d && (typeof d === 'object' || typeof d === 'function') && Object.keys(m).length === 1
    ? { ...(d as Module), ...m }
    : m;
};

export const sharedDependenciesMap: Record<string, Module | (() => Promise<Module>)> = {
  '@emotion/css': lazy(() => import('@emotion/css')),
  '@emotion/react': lazy(() => import('@emotion/react')),
  '@grafana/data': liveModule(grafanaData),
  '@grafana/runtime': liveModule(grafanaRuntime),
  '@grafana/ui': liveModule(grafanaUI),
  lodash: lazy(() => import('lodash').then((module) => ({ ...module, __useDefault: true }))),
  moment: lazy(() => import('moment').then((module) => ({ ...module, __useDefault: true }))),
  react: lazy(() => import('react')),
  'react-dom': lazy(() => import('react-dom')),
  // Grafana >= 12.2.5 shares the JSX runtime (create-plugin externalises it).
  'react/jsx-runtime': lazy(() => import('react/jsx-runtime')),
  'react-router-dom': lazy(() => import('host:react-router-dom-v5')),
  'react-router': lazy(() => import('host:react-router-dom-v5-compat')),
  rxjs: lazy(() => import('rxjs')),
  'rxjs/operators': lazy(() => import('rxjs/operators')),
};
