import { PLUGIN_ID } from '../constants';
import type { AppSecrets, AppSettings } from '../types';
import { request } from './client';

export interface PluginSettingsUpdate {
  enabled: boolean;
  pinned: boolean;
  jsonData: AppSettings;
  /** Only the secrets the user changed: any value sent, even "", replaces the stored one. */
  secureJsonData?: AppSecrets;
}

export function savePluginSettings(update: PluginSettingsUpdate): Promise<unknown> {
  return request({ url: `/api/plugins/${PLUGIN_ID}/settings`, method: 'POST', data: update, target: 'grafana' });
}
