// SystemJS and its extras are scripts that set window.System; they export nothing.
declare module 'systemjs/dist/system.js';
declare module 'systemjs/dist/extras/amd.js';
declare module 'systemjs/dist/extras/named-register.js';
// Resolved by build.mts to @grafana/runtime's PluginPage module, which its index does not export.
declare module 'host:runtime-plugin-page' {
  import type { ComponentType } from 'react';
  import type { PluginPageProps } from '@grafana/runtime';
  export function setPluginPage(component: ComponentType<PluginPageProps>): void;
}
// React Router as Grafana has it: 5 for its own routes and v5 plugins, and react-router-dom-v5-compat
// (React Router 6 plus CompatRouter) for `react-router`; build.mts resolves both from @grafana/ui's
// dependencies of the Grafana version under test.
declare module 'host:react-router-dom-v5' {
  import type { ComponentType, ReactNode } from 'react';
  export const Router: ComponentType<{ history: unknown; children?: ReactNode }>;
}
declare module 'host:react-router-dom-v5-compat' {
  import type { ComponentType, ReactNode } from 'react';
  export * from 'react-router-dom';
  export const CompatRouter: ComponentType<{ children?: ReactNode }>;
}
