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
  useStyles2,
} from '@grafana/ui';
import { toApiError, type ApiError } from '../../api/client';
import { listBudgets, listProviders, saveBudgets } from '../../api/exporter';
import type { ProviderEntry, ProviderName } from '../../api/exporter.types';
import { ErrorState } from '../../components/ErrorState';
import { NotConfigured } from '../../components/NotConfigured';
import { PROVIDERS, providerInfo } from '../../providers/catalog';
import { useAppConfig } from '../../utils/appMeta';
import { useLoad } from '../../utils/useLoad';
import { accountOptions, mapApiErrors, newKey, rowErrors, toRequest, toRows, type BudgetRow } from './Budgets.utils';

const PERIODS = [
  { label: 'Day', value: 'day' as const },
  { label: 'Month', value: 'month' as const },
];

interface Loaded {
  providers: ProviderEntry[];
  rows: BudgetRow[];
}

async function loadAll(): Promise<Loaded> {
  const [providers, budgets] = await Promise.all([listProviders(), listBudgets()]);
  return { providers, rows: toRows(budgets) };
}

function BudgetEditor({ loaded }: { loaded: Loaded }) {
  const s = useStyles2(getStyles);
  /** The budgets as the exporter last reported them: what "dirty" and "discard" compare with. */
  const [baseline, setBaseline] = useState<BudgetRow[]>(loaded.rows);
  const [rows, setRows] = useState<BudgetRow[]>(loaded.rows);
  const [errors, setErrors] = useState<Record<string, Record<string, string>>>({});
  const [saveError, setSaveError] = useState<ApiError>();
  const [saving, setSaving] = useState(false);
  const [saved, setSaved] = useState(false);

  const withAccounts = PROVIDERS.filter((p) => accountOptions(loaded.providers, p.name).length > 0);
  const dirty = JSON.stringify(toRequest(rows).budgets) !== JSON.stringify(toRequest(baseline).budgets);

  const update = (key: string, patch: Partial<BudgetRow>) => {
    setRows((rs) => rs.map((r) => (r.key === key ? { ...r, ...patch } : r)));
    setSaved(false);
  };
  const add = () => {
    const provider = withAccounts[0]!.name;
    setRows((rs) => [
      ...rs,
      {
        key: newKey(),
        provider,
        account: accountOptions(loaded.providers, provider)[0]?.value ?? '',
        period: 'month',
        amount: '',
        source: 'api',
      },
    ]);
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
  return (
    <Stack direction="column" gap={2}>
      {rows.length === 0 && (
        <Text color="secondary" italic>
          No budgets yet. A budget sets nexus_budget_usd for an account, so the dashboards and the budget alerts can
          compare spend with it.
        </Text>
      )}
      {rows.map((r) => {
        const e = errors[r.key] ?? {};
        const readOnly = r.source === 'config';
        const label = `${providerInfo(r.provider).title} ${r.account || 'budget'} ${r.period}`;
        return (
          <div key={r.key} className={s.row} role="group" aria-label={`Budget ${label}`}>
            <Field label="Provider" className={s.field}>
              <Combobox
                id={`${r.key}-provider`}
                width={20}
                disabled={readOnly}
                value={r.provider}
                options={PROVIDERS.map((p) => ({ label: p.title, value: p.name }))}
                onChange={(v) =>
                  update(r.key, {
                    provider: v.value as ProviderName,
                    account: accountOptions(loaded.providers, v.value as ProviderName)[0]?.value ?? '',
                  })
                }
              />
            </Field>
            <Field label="Account" className={s.field} invalid={Boolean(e.account)} error={e.account}>
              <Combobox
                id={`${r.key}-account`}
                width={24}
                disabled={readOnly}
                invalid={Boolean(e.account)}
                value={r.account || null}
                options={accountOptions(loaded.providers, r.provider)}
                placeholder="No accounts"
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
                width={16}
                prefix="$"
                inputMode="decimal"
                disabled={readOnly}
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
            {e.row && (
              <Text color="error" variant="bodySmall">
                {e.row}
              </Text>
            )}
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

export function BudgetsContent() {
  const load = useLoad(loadAll);
  if (load.error && !load.data) {
    return <ErrorState title="Could not load budgets" error={load.error} onRetry={load.reload} />;
  }
  if (!load.data) {
    return <LoadingPlaceholder text="Loading budgets…" />;
  }
  return <BudgetEditor loaded={load.data} />;
}

export default function Budgets() {
  const { exporterConfigured } = useAppConfig();
  return (
    <PluginPage>
      {exporterConfigured ? (
        <BudgetsContent />
      ) : (
        <NotConfigured title="Connect the exporter first">
          Set the exporter URL and admin token on the configuration page to manage budgets.
        </NotConfigured>
      )}
    </PluginPage>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  row: css({
    display: 'flex',
    flexWrap: 'wrap',
    alignItems: 'flex-start',
    gap: theme.spacing(2),
    padding: theme.spacing(1, 2),
    border: `1px solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
  }),
  field: css({
    marginBottom: 0,
  }),
  actions: css({
    alignSelf: 'center',
    paddingTop: theme.spacing(2),
  }),
});
