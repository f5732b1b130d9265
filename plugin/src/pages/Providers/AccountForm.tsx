import React, { FormEvent, useState } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import {
  Alert,
  Button,
  Field,
  FieldSet,
  Input,
  RadioButtonGroup,
  SecretInput,
  Stack,
  Switch,
  Text,
  TextArea,
  useStyles2,
} from '@grafana/ui';
import { ApiError, toApiError } from '../../api/client';
import { saveAccount, testAccount } from '../../api/exporter';
import type { AccountState, TestResult } from '../../api/exporter.types';
import { providerDefaults, type ProviderInfo, type SettingField } from '../../providers/catalog';
import {
  buildInput,
  initialValues,
  localErrors,
  placeFieldErrors,
  secretConfigured,
  type FormValues,
  type SettingValue,
  type SubaccountsValue,
} from './AccountForm.utils';
import { TestResultAlert } from './TestResultAlert';

const SUBACCOUNT_MODES: Array<{ label: string; value: SubaccountsValue['mode']; description: string }> = [
  { label: 'None', value: 'none', description: 'Only this account' },
  { label: 'All', value: 'all', description: 'Every open subaccount' },
  { label: 'Listed', value: 'list', description: 'The subaccounts whose SIDs you list' },
];

/** One provider option: a switch, or Twilio's subaccounts (none / all / a list of SIDs). */
function SettingInput({
  field,
  id,
  value,
  error,
  onChange,
}: {
  field: SettingField;
  id: string;
  value: SettingValue;
  error?: string;
  onChange: (v: SettingValue) => void;
}) {
  if (field.kind === 'boolean') {
    return (
      <Field label={field.label} description={field.description} invalid={Boolean(error)} error={error}>
        <Switch id={id} value={value === true} onChange={(e) => onChange(e.currentTarget.checked)} />
      </Field>
    );
  }
  const sub = value as SubaccountsValue;
  return (
    <Field
      label={field.label}
      description={field.description}
      invalid={Boolean(error)}
      error={error}
      htmlFor={sub.mode === 'list' ? `${id}-sids` : undefined}
    >
      <>
        <RadioButtonGroup options={SUBACCOUNT_MODES} value={sub.mode} onChange={(mode) => onChange({ ...sub, mode })} />
        {sub.mode === 'list' && (
          <TextArea
            id={`${id}-sids`}
            aria-label="Subaccount SIDs, one per line"
            rows={3}
            cols={40}
            invalid={Boolean(error)}
            value={sub.sids}
            onChange={(e) => onChange({ ...sub, sids: e.currentTarget.value })}
          />
        )}
      </>
    </Field>
  );
}

interface Props {
  info: ProviderInfo;
  /** The stored account; undefined to add a new one. */
  state?: AccountState;
  onSaved: (saved: AccountState) => void;
  onCancel: () => void;
}

export function AccountForm({ info, state, onSaved, onCancel }: Props) {
  const s = useStyles2(getStyles);
  const defaults = providerDefaults(info.name);
  const isNew = !state;
  const [values, setValues] = useState<FormValues>(() => initialValues(info, state));
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState<'save' | 'test'>();
  const [testResult, setTestResult] = useState<TestResult>();

  const idPrefix = `nexus-${info.name}-${state?.account ?? 'new'}`;
  const set = (patch: Partial<FormValues>) => setValues((v) => ({ ...v, ...patch }));
  const setCredential = (key: string, value: string) =>
    setValues((v) => ({ ...v, credentials: { ...v.credentials, [key]: value } }));
  const setSetting = (key: string, value: SettingValue) =>
    setValues((v) => ({ ...v, settings: { ...v.settings, [key]: value } }));
  const baseUrlChanged = !isNew && values.baseUrl.trim() !== (state?.baseUrl ?? '');
  const storedSecrets = info.credentials.filter((f) => f.secret && state?.credentials[f.key]?.set);

  /** Field errors the form can place; the rest are listed in the alert. */
  const knownFields = new Set([
    'account',
    'baseUrl',
    'pollIntervalSeconds',
    'enabled',
    ...info.credentials.map((f) => f.key),
    ...info.settings.map((f) => f.key),
  ]);
  const otherErrors = error?.details.filter((d) => !knownFields.has(d.field.replace(/\[\d+\]$/, ''))) ?? [];

  const run = async (kind: 'save' | 'test') => {
    const local = localErrors(values, isNew, info);
    setFieldErrors(local);
    setError(undefined);
    setTestResult(undefined);
    if (Object.keys(local).length > 0) {
      return;
    }
    const account = isNew ? values.account : state!.account;
    const input = buildInput(info, values, state);
    setBusy(kind);
    try {
      if (kind === 'save') {
        onSaved(await saveAccount(info.name, account, input));
      } else {
        setTestResult(await testAccount(info.name, account, input));
      }
    } catch (e) {
      const err = toApiError(e);
      setError(err);
      setFieldErrors(placeFieldErrors(info, values, err.details));
    } finally {
      setBusy(undefined);
    }
  };

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    run('save');
  };

  return (
    <form
      onSubmit={onSubmit}
      className={s.form}
      aria-label={isNew ? `New ${info.title} account` : `Edit ${info.title} account ${state?.account}`}
      noValidate
    >
      <FieldSet>
        {isNew && (
          <Field
            label="Account name"
            description="How the account appears in metrics (the account label) and dashboards."
            invalid={Boolean(fieldErrors.account)}
            error={fieldErrors.account}
          >
            <Input
              id={`${idPrefix}-account`}
              width={40}
              value={values.account}
              onChange={(e) => set({ account: e.currentTarget.value.trim() })}
            />
          </Field>
        )}
        {info.credentials.map((field) => {
          const id = `${idPrefix}-${field.key}`;
          const preview = state?.credentials[field.key];
          const description = [
            field.description,
            preview?.set && !values.reset[field.key]
              ? `Stored${preview.last4 ? `: …${preview.last4}` : ''}.`
              : undefined,
          ]
            .filter(Boolean)
            .join(' ');
          return (
            <Field
              key={field.key}
              label={field.label}
              description={description || undefined}
              invalid={Boolean(fieldErrors[field.key])}
              error={fieldErrors[field.key]}
            >
              {field.secret ? (
                <SecretInput
                  id={id}
                  width={60}
                  autoComplete="off"
                  value={values.credentials[field.key] ?? ''}
                  isConfigured={secretConfigured(state, values, field.key)}
                  onReset={() => setValues((v) => ({ ...v, reset: { ...v.reset, [field.key]: true } }))}
                  onChange={(e) => setCredential(field.key, e.currentTarget.value)}
                />
              ) : (
                <Input
                  id={id}
                  width={60}
                  value={values.credentials[field.key] ?? ''}
                  onChange={(e) => setCredential(field.key, e.currentTarget.value)}
                />
              )}
            </Field>
          );
        })}
        {info.credentialsHint && (
          <Text color="secondary" variant="bodySmall" element="p">
            {info.credentialsHint}
          </Text>
        )}
        {info.settings.map((field) => (
          <SettingInput
            key={field.key}
            field={field}
            id={`${idPrefix}-${field.key}`}
            value={values.settings[field.key] ?? false}
            error={fieldErrors[field.key]}
            onChange={(v) => setSetting(field.key, v)}
          />
        ))}
        <Field
          label="Base URL"
          description={
            baseUrlChanged && storedSecrets.length > 0
              ? 'Changing the base URL requires entering the credentials again: a stored key is never sent to a new address.'
              : `Leave empty for the provider’s API${defaults?.baseUrl ? ` (${defaults.baseUrl})` : ''}.`
          }
          invalid={Boolean(fieldErrors.baseUrl)}
          error={fieldErrors.baseUrl}
        >
          <Input
            id={`${idPrefix}-baseUrl`}
            width={60}
            value={values.baseUrl}
            onChange={(e) => set({ baseUrl: e.currentTarget.value })}
          />
        </Field>
        <Field
          label="Poll interval (seconds)"
          description={
            [
              defaults?.pollIntervalSeconds ? `Leave empty for ${defaults.pollIntervalSeconds}.` : undefined,
              defaults?.minPollIntervalSeconds ? `At least ${defaults.minPollIntervalSeconds}.` : undefined,
            ]
              .filter(Boolean)
              .join(' ') || undefined
          }
          invalid={Boolean(fieldErrors.pollIntervalSeconds)}
          error={fieldErrors.pollIntervalSeconds}
        >
          <Input
            id={`${idPrefix}-pollIntervalSeconds`}
            width={20}
            inputMode="numeric"
            value={values.pollIntervalSeconds}
            onChange={(e) => set({ pollIntervalSeconds: e.currentTarget.value })}
          />
        </Field>
        <Field
          label="Enabled"
          description="A disabled account keeps its settings but is not polled."
          invalid={Boolean(fieldErrors.enabled)}
          error={fieldErrors.enabled}
        >
          <Switch
            id={`${idPrefix}-enabled`}
            value={values.enabled}
            onChange={(e) => set({ enabled: e.currentTarget.checked })}
          />
        </Field>
      </FieldSet>

      <Stack direction="column" gap={2}>
        {error && (
          <Alert
            severity="error"
            title={
              error.kind === 'validation'
                ? 'Check the highlighted fields'
                : error.kind === 'storage'
                  ? 'Nothing was saved'
                  : 'The exporter did not accept the change'
            }
          >
            <p>{error.message}</p>
            {otherErrors.length > 0 && (
              <ul>
                {otherErrors.map((d) => (
                  <li key={d.field}>
                    {d.field}: {d.message}
                  </li>
                ))}
              </ul>
            )}
          </Alert>
        )}
        {testResult && <TestResultAlert result={testResult} />}
        <Stack gap={1}>
          <Button type="submit" disabled={Boolean(busy)} icon={busy === 'save' ? 'spinner' : undefined}>
            {isNew ? 'Add account' : 'Save'}
          </Button>
          <Button
            type="button"
            variant="secondary"
            disabled={Boolean(busy)}
            icon={busy === 'test' ? 'spinner' : 'heart-rate'}
            onClick={() => run('test')}
          >
            Test connection
          </Button>
          <Button type="button" variant="secondary" fill="text" onClick={onCancel}>
            Cancel
          </Button>
        </Stack>
      </Stack>
    </form>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  form: css({
    padding: theme.spacing(2),
    border: `1px solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
    background: theme.colors.background.secondary,
  }),
});
