import React, { useState } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { PluginPage } from '@grafana/runtime';
import {
  Alert,
  Badge,
  Button,
  Combobox,
  Field,
  IconButton,
  Input,
  LoadingPlaceholder,
  RadioButtonGroup,
  Stack,
  Text,
  TextLink,
  useStyles2,
} from '@grafana/ui';
import { toApiError, type ApiError } from '../../api/client';
import { listBudgets, listProviders, saveBudgets } from '../../api/exporter';
import type { ProviderEntry, ProviderName } from '../../api/exporter.types';
import { ErrorState } from '../../components/ErrorState';
import { KeyScopeBadge } from '../../components/KeyScopeBadge';
import { NotConfigured } from '../../components/NotConfigured';
import { PLUGIN_CONFIG_URL } from '../../constants';
import { PROVIDERS, providerInfo } from '../../providers/catalog';
import { useAppConfig } from '../../utils/appMeta';
import { formatPercent, formatUsd } from '../../utils/format';
import { useLoad } from '../../utils/useLoad';
import { judge, loadBudgetStatus, type BudgetStatus, type StatusIndex } from './Budgets.status';
import { accountOptions, emptyRow, mapApiErrors, rowErrors, toRequest, toRows, type BudgetRow } from './Budgets.utils';

const PERIODS = [
  { label: 'Day', value: 'day' as const },
  { label: 'Month', value: 'month' as const },
];

const SEVERITY_COLORS = { ok: 'success', warning: 'warning', critical: 'error' } as const;

interface Loaded {
  providers: ProviderEntry[];
  rows: BudgetRow[];
}

async function loadAll(): Promise<Loaded> {
  const [providers, budgets] = await Promise.all([listProviders(), listBudgets()]);
  return { providers, rows: toRows(budgets) };
}

function Intro() {
  return (
    <Text color="secondary" element="p">
      A budget is the most an account should spend in a UTC day or month, as the provider reports it. The exporter
      publishes it as nexus_budget_usd; the budget alerts fire at 80 % and at 100 % of it, and when the month-end
      forecast is above a monthly budget. Budgets from the exporter&apos;s configuration file are shown read-only.
    </Text>
  );
}

function StatusLine({ row, status }: { row: BudgetRow; status?: BudgetStatus }) {
  const s = useStyles2(getStyles);
  if (!status) {
    return null;
  }
  const period = row.period === 'month' ? 'this month' : 'today';
  return (
    <div
      className={s.status}
      data-testid={`data-testid nexus-budget-status-${row.provider}-${row.account}-${row.period}`}
      data-severity={status.severity}
    >
      <Stack gap={1} alignItems="center">
        <Text color={SEVERITY_COLORS[status.severity]} weight="medium">
          {status.verdict}
        </Text>
        {status.scope === 'key' && <KeyScopeBadge />}
      </Stack>
      <Text color="secondary">
        Spent <span className={s.number}>{formatUsd(status.spend)}</span> of{' '}
        <span className={s.number}>{formatUsd(Number(row.amount))}</span> {period} (
        <span className={s.number}>{formatPercent(status.ratio)}</span>)
      </Text>
      {row.period === 'month' && status.forecast !== undefined && (
        <Text color="secondary">
          Forecast for the month: <span className={s.number}>{formatUsd(status.forecast)}</span>
        </Text>
      )}
    </div>
  );
}

function BudgetEditor({ loaded, status }: { loaded: Loaded; status?: StatusIndex }) {
  const s = useStyles2(getStyles);
  /** The budgets as the exporter last reported them: what "dirty" and "discard" compare with. */
  const [baseline, setBaseline] = useState<BudgetRow[]>(loaded.rows);
  const [rows, setRows] = useState<BudgetRow[]>(loaded.rows);
  const [errors, setErrors] = useState<Record<string, Record<string, string>>>({});
  const [saveError, setSaveError] = useState<ApiError>();
  const [saving, setSaving] = useState(false);
  const [saved, setSaved] = useState(false);

  const withAccounts = PROVIDERS.filter((p) => accountOptions(loaded.providers, p.name).length > 0);
  const dirty =
    rows.some((r) => r.isNew) ||
    JSON.stringify(toRequest(rows).budgets) !== JSON.stringify(toRequest(baseline).budgets);

  const update = (key: string, patch: Partial<BudgetRow>) => {
    setRows((rs) => rs.map((r) => (r.key === key ? { ...r, ...patch } : r)));
    setSaved(false);
  };
  const add = () => {
    setRows((rs) => [...rs, emptyRow()]);
    setSaved(false);
  };
  const remove = (key: string) => {
    setRows((rs) => rs.filter((r) => r.key !== key));
    setSaved(false);
  };

  const save = async () => {
    const local = rowErrors(rows);
    setErrors(local);
    setSaveError(undefined);
    if (Object.keys(local).length > 0) {
      return;
    }
    const { budgets, keys } = toRequest(rows);
    setSaving(true);
    try {
      const effective = toRows(await saveBudgets(budgets));
      setBaseline(effective);
      setRows(effective);
      setSaved(true);
    } catch (e) {
      const err = toApiError(e);
      setSaveError(err);
      setErrors(mapApiErrors(err.details, keys));
    } finally {
      setSaving(false);
    }
  };

  if (withAccounts.length === 0 && rows.length === 0) {
    return (
      <Alert severity="info" title="No provider accounts yet">
        Budgets belong to a provider account. Add an account on the Providers page first.
      </Alert>
    );
  }

  const unplaced = errors[''];
  let newCount = 0;
  return (
    <Stack direction="column" gap={2}>
      {rows.length === 0 && (
        <Text color="secondary" italic>
          No budgets yet.
        </Text>
      )}
      {rows.map((r) => {
        const e = errors[r.key] ?? {};
        const readOnly = r.source === 'config';
        const label = r.isNew
          ? `New budget${++newCount > 1 ? ` ${newCount}` : ''}`
          : `Budget ${r.provider ? providerInfo(r.provider).title : ''} ${r.account} ${r.period}`;
        const rowStatus =
          !r.isNew && r.provider && status
            ? judge(status, { provider: r.provider, account: r.account, period: r.period, amountUsd: Number(r.amount) })
            : undefined;
        return (
          <div key={r.key} className={s.row} role="group" aria-label={label}>
            <div className={s.fields}>
              <Field label="Provider" className={s.field} invalid={Boolean(e.provider)} error={e.provider}>
                <Combobox
                  id={`${r.key}-provider`}
                  disabled={readOnly}
                  invalid={Boolean(e.provider)}
                  value={r.provider || null}
                  options={withAccounts.map((p) => ({ label: p.title, value: p.name }))}
                  placeholder="Choose a provider"
                  onChange={(v) => {
                    const provider = v.value as ProviderName;
                    const accounts = accountOptions(loaded.providers, provider);
                    update(r.key, { provider, account: accounts.length === 1 ? accounts[0]!.value : '' });
                  }}
                />
              </Field>
              <Field label="Account" className={s.field} invalid={Boolean(e.account)} error={e.account}>
                <Combobox
                  id={`${r.key}-account`}
                  disabled={readOnly || !r.provider}
                  invalid={Boolean(e.account)}
                  value={r.account || null}
                  options={accountOptions(loaded.providers, r.provider)}
                  placeholder={r.provider ? 'Choose an account' : 'Choose a provider first'}
                  onChange={(v) => update(r.key, { account: v.value })}
                />
              </Field>
              <Field label="Period" className={s.field} invalid={Boolean(e.period)} error={e.period}>
                <RadioButtonGroup
                  disabled={readOnly}
                  options={PERIODS}
                  value={r.period}
                  onChange={(v) => update(r.key, { period: v })}
                />
              </Field>
              <Field label="Amount (USD)" className={s.field} invalid={Boolean(e.amountUsd)} error={e.amountUsd}>
                <Input
                  id={`${r.key}-amount`}
                  prefix="$"
                  inputMode="decimal"
                  disabled={readOnly}
                  invalid={Boolean(e.amountUsd)}
                  value={r.amount}
                  onChange={(ev) => update(r.key, { amount: ev.currentTarget.value })}
                />
              </Field>
              <div className={s.actions}>
                {readOnly ? (
                  <Badge
                    color="purple"
                    icon="file-alt"
                    text="Config file"
                    tooltip="Set in the exporter's configuration file; change it there."
                  />
                ) : (
                  <IconButton name="trash-alt" tooltip="Remove this budget" onClick={() => remove(r.key)} />
                )}
              </div>
            </div>
            {e.row && (
              <Text color="error" variant="bodySmall">
                {e.row}
              </Text>
            )}
            <StatusLine row={r} status={rowStatus} />
          </div>
        );
      })}
      {saveError && (
        <Alert severity="error" title="Budgets were not saved">
          <p>{saveError.message}</p>
          {unplaced && <p>{Object.values(unplaced).join('; ')}</p>}
        </Alert>
      )}
      {saved && !dirty && <Alert severity="success" title="Budgets saved" />}
      <Stack gap={1}>
        <Button icon="plus" variant="secondary" onClick={add} disabled={withAccounts.length === 0}>
          Add budget
        </Button>
        <Button onClick={save} disabled={saving || !dirty} icon={saving ? 'spinner' : undefined}>
          Save budgets
        </Button>
        {dirty && (
          <Button
            variant="secondary"
            fill="text"
            onClick={() => {
              setRows(baseline);
              setErrors({});
              setSaveError(undefined);
            }}
          >
            Discard changes
          </Button>
        )}
      </Stack>
    </Stack>
  );
}

export function BudgetsContent({ datasourceUid }: { datasourceUid?: string }) {
  const load = useLoad(loadAll);
  const status = useLoad(
    () => (datasourceUid ? loadBudgetStatus(datasourceUid) : Promise.resolve(undefined)),
    datasourceUid ?? ''
  );
  if (load.error && !load.data) {
    return <ErrorState title="Could not load budgets" error={load.error} onRetry={load.reload} />;
  }
  if (!load.data) {
    return <LoadingPlaceholder text="Loading budgets…" />;
  }
  const statusError = status.error?.message ?? status.data?.error;
  return (
    <Stack direction="column" gap={2}>
      {!datasourceUid && (
        <Alert severity="info" title="Spend is not shown">
          Choose the Prometheus data source on the <TextLink href={PLUGIN_CONFIG_URL}>configuration page</TextLink> to
          see each budget&apos;s spend, share used and month-end forecast.
        </Alert>
      )}
      {statusError && (
        <Alert severity="warning" title="Could not query the spend from Prometheus">
          {statusError}
        </Alert>
      )}
      <BudgetEditor loaded={load.data} status={status.data?.index} />
    </Stack>
  );
}

export default function Budgets() {
  const { exporterConfigured, settings } = useAppConfig();
  return (
    <PluginPage>
      <Stack direction="column" gap={2}>
        <Intro />
        {exporterConfigured ? (
          <BudgetsContent datasourceUid={settings.prometheusDatasourceUid} />
        ) : (
          <NotConfigured title="Connect the exporter first">
            Set the exporter URL and admin token on the configuration page to manage budgets.
          </NotConfigured>
        )}
      </Stack>
    </PluginPage>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  row: css({
    display: 'flex',
    flexDirection: 'column',
    gap: theme.spacing(1),
    padding: theme.spacing(1.5, 2),
    border: `1px solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
  }),
  // A grid keeps every row's fields in the same columns, and an error under one field from pushing
  // the next one out of line (items start at the top; the error takes space below its own input only).
  fields: css({
    display: 'grid',
    gridTemplateColumns: `minmax(${theme.spacing(20)}, 1fr) minmax(${theme.spacing(22)}, 1fr) auto ${theme.spacing(20)} ${theme.spacing(5)}`,
    alignItems: 'start',
    columnGap: theme.spacing(2),
  }),
  field: css({
    marginBottom: 0,
  }),
  actions: css({
    alignSelf: 'center',
    paddingTop: theme.spacing(2.5),
  }),
  status: css({
    display: 'flex',
    flexWrap: 'wrap',
    gap: theme.spacing(0.5, 2),
    paddingTop: theme.spacing(1),
    borderTop: `1px solid ${theme.colors.border.weak}`,
  }),
  number: css({
    whiteSpace: 'nowrap',
    fontVariantNumeric: 'tabular-nums',
  }),
});
