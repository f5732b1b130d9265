import React, { FormEvent, useState } from 'react';
import { css } from '@emotion/css';
import { AppPluginMeta, GrafanaTheme2, PluginConfigPageProps } from '@grafana/data';
import { DataSourcePicker } from '@grafana/runtime';
import { Alert, Button, Field, FieldSet, Input, SecretInput, Stack, Text, useStyles2 } from '@grafana/ui';
import { checkExporter, checkPrometheus, type CheckResult } from '../../api/check';
import { savePluginSettings } from '../../api/settings';
import { ApiError, toApiError } from '../../api/client';
import type { AppSettings } from '../../types';
import { page } from '../../utils/reload';
import { testIds } from '../testIds';

export interface AppConfigProps extends PluginConfigPageProps<AppPluginMeta<AppSettings>> {}

interface FormState {
  exporterUrl: string;
  prometheusDatasourceUid: string;
  alertmanagerUrl: string;
  /** The new token typed by the user; empty means "keep the stored one" while `tokenConfigured`. */
  exporterToken: string;
  tokenConfigured: boolean;
}

const HTTP_URL = /^https?:\/\/[^/\s]+/;

export function validateUrl(value: string, required: boolean): string | undefined {
  if (!value) {
    return required ? 'Required' : undefined;
  }
  if (!HTTP_URL.test(value)) {
    return 'Must be an http:// or https:// URL';
  }
  try {
    new URL(value);
  } catch {
    return 'Not a valid URL';
  }
  return undefined;
}

const AppConfig = ({ plugin }: AppConfigProps) => {
  const s = useStyles2(getStyles);
  const { enabled, pinned, jsonData, secureJsonFields } = plugin.meta;
  const initial: FormState = {
    exporterUrl: jsonData?.exporterUrl ?? '',
    prometheusDatasourceUid: jsonData?.prometheusDatasourceUid ?? '',
    alertmanagerUrl: jsonData?.alertmanagerUrl ?? '',
    exporterToken: '',
    tokenConfigured: Boolean(secureJsonFields?.exporterToken),
  };
  const [form, setForm] = useState<FormState>(initial);
  const [touched, setTouched] = useState(false);
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState<ApiError>();
  const [saved, setSaved] = useState(false);
  const [checking, setChecking] = useState(false);
  const [checks, setChecks] = useState<CheckResult[]>();

  const urlError = validateUrl(form.exporterUrl.trim(), true);
  const alertmanagerError = validateUrl(form.alertmanagerUrl.trim(), false);
  const tokenMissing = !form.tokenConfigured && !form.exporterToken;
  const dirty =
    form.exporterUrl !== initial.exporterUrl ||
    form.prometheusDatasourceUid !== initial.prometheusDatasourceUid ||
    form.alertmanagerUrl !== initial.alertmanagerUrl ||
    form.exporterToken !== '' ||
    form.tokenConfigured !== initial.tokenConfigured;
  const savedConfigured = Boolean(initial.exporterUrl && initial.tokenConfigured);

  const update = (patch: Partial<FormState>) => {
    setForm((f) => ({ ...f, ...patch }));
    setSaved(false);
  };

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    setTouched(true);
    if (urlError || alertmanagerError || tokenMissing) {
      return;
    }
    setSaving(true);
    setSaveError(undefined);
    try {
      await savePluginSettings({
        enabled: Boolean(enabled),
        pinned: Boolean(pinned),
        jsonData: {
          ...jsonData,
          exporterUrl: form.exporterUrl.trim().replace(/\/+$/, ''),
          prometheusDatasourceUid: form.prometheusDatasourceUid || undefined,
          alertmanagerUrl: form.alertmanagerUrl.trim() || undefined,
        },
        // Send the token only when the user typed one: any value sent replaces the stored secret.
        secureJsonData: form.exporterToken ? { exporterToken: form.exporterToken } : undefined,
      });
      setSaved(true);
      page.reload();
    } catch (e) {
      setSaveError(toApiError(e, 'grafana'));
    } finally {
      setSaving(false);
    }
  };

  const onCheck = async () => {
    setChecking(true);
    setChecks(undefined);
    const results = [await checkExporter()];
    if (initial.prometheusDatasourceUid) {
      results.push(await checkPrometheus(initial.prometheusDatasourceUid));
    }
    setChecks(results);
    setChecking(false);
  };

  return (
    <form onSubmit={onSubmit} className={s.form} noValidate>
      <FieldSet label="Exporter">
        <div className={s.intro}>
          <Text color="secondary" element="p">
            The app manages provider accounts and budgets through the Nexus exporter&apos;s admin API. Grafana calls the
            exporter from its server with the admin token; the browser never sees the token or any provider key.
          </Text>
        </div>
        <Field
          label="Exporter URL"
          description="Base URL of the exporter as the Grafana server reaches it, e.g. http://nexus-exporter:9464 (without /api/v1)."
          invalid={touched && Boolean(urlError)}
          error={touched ? urlError : undefined}
        >
          <Input
            id="nexus-exporter-url"
            data-testid={testIds.appConfig.exporterUrl}
            width={60}
            value={form.exporterUrl}
            onChange={(e) => update({ exporterUrl: e.currentTarget.value })}
          />
        </Field>
        <Field
          label="Admin token"
          description="The exporter's admin token (admin.token in its config or NEXUS_ADMIN_TOKEN). Stored encrypted in Grafana and never sent back to the browser."
          invalid={touched && tokenMissing}
          error={touched && tokenMissing ? 'Required' : undefined}
        >
          <SecretInput
            id="nexus-exporter-token"
            data-testid={testIds.appConfig.exporterToken}
            width={60}
            value={form.exporterToken}
            isConfigured={form.tokenConfigured}
            onChange={(e) => update({ exporterToken: e.currentTarget.value })}
            onReset={() => update({ exporterToken: '', tokenConfigured: false })}
          />
        </Field>
      </FieldSet>

      <FieldSet label="Metrics and alerts">
        <Field
          label="Prometheus data source"
          description="The Prometheus that scrapes the exporter. The Overview page and the connection check query it."
        >
          <DataSourcePicker
            inputId="nexus-prometheus-datasource"
            type="prometheus"
            noDefault
            width={60}
            current={form.prometheusDatasourceUid || null}
            onChange={(ds) => update({ prometheusDatasourceUid: ds.uid })}
            onClear={() => update({ prometheusDatasourceUid: '' })}
          />
        </Field>
        <Field
          label="Alertmanager URL"
          description="Optional. Linked from the Alerts page, e.g. http://alertmanager:9093."
          invalid={touched && Boolean(alertmanagerError)}
          error={touched ? alertmanagerError : undefined}
        >
          <Input
            id="nexus-alertmanager-url"
            data-testid={testIds.appConfig.alertmanagerUrl}
            width={60}
            value={form.alertmanagerUrl}
            onChange={(e) => update({ alertmanagerUrl: e.currentTarget.value })}
          />
        </Field>
      </FieldSet>

      <Stack direction="column" gap={2}>
        {saveError && (
          <Alert severity="error" title="Settings were not saved">
            {saveError.message}
          </Alert>
        )}
        {saved && <Alert severity="success" title="Settings saved" />}
        <Stack gap={2} alignItems="center">
          <Button
            type="submit"
            data-testid={testIds.appConfig.save}
            disabled={saving}
            icon={saving ? 'spinner' : undefined}
          >
            Save settings
          </Button>
          <Button
            type="button"
            variant="secondary"
            data-testid={testIds.appConfig.check}
            disabled={checking || dirty || !savedConfigured}
            icon={checking ? 'spinner' : 'heart-rate'}
            onClick={onCheck}
          >
            Test connection
          </Button>
          {(dirty || !savedConfigured) && (
            <Text color="secondary" variant="bodySmall">
              The test uses the saved settings: save first.
            </Text>
          )}
        </Stack>
        {checks?.map((c) => (
          <Alert key={c.title} severity={c.severity} title={c.title}>
            {c.message}
          </Alert>
        ))}
      </Stack>
    </form>
  );
};

export default AppConfig;

const getStyles = (theme: GrafanaTheme2) => ({
  form: css({
    maxWidth: theme.spacing(100),
  }),
  intro: css({
    marginBottom: theme.spacing(2),
  }),
});
