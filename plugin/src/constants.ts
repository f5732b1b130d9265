import pluginJson from './plugin.json';

export const PLUGIN_ID = pluginJson.id;
export const PLUGIN_BASE_URL = `/a/${PLUGIN_ID}`;
/** The plugin's configuration page (Grafana renders AppConfig there). */
export const PLUGIN_CONFIG_URL = `/plugins/${PLUGIN_ID}`;
/** The `exporter` route in plugin.json: Grafana adds the admin token server-side. */
export const EXPORTER_PROXY_URL = `/api/plugin-proxy/${PLUGIN_ID}/exporter`;
export const ADMIN_API = `${EXPORTER_PROXY_URL}/api/v1`;

export enum ROUTES {
  Overview = 'overview',
  Providers = 'providers',
  Budgets = 'budgets',
  Alerts = 'alerts',
}

export const prefixRoute = (route: string) => `${PLUGIN_BASE_URL}/${route}`;
