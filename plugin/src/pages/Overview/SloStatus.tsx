// SLO status per provider on the Overview: each provider SLO with real traffic (objective, share of good
// calls over 30 days, error budget left, burn rate over the last hour) and whether its burn alert fires.
// The series are recorded by provisioning/prometheus/rules/nexus-slo.yml; the Provider SLOs dashboard has
// the history.
import React from 'react';
import { css } from '@emotion/css';
import { Badge, type BadgeColor, type Column, InteractiveTable, Stack, Text, TextLink, useStyles2 } from '@grafana/ui';
import type { QueryResult } from '../../api/prometheus';
import { PROVIDERS } from '../../providers/catalog';
import { formatPercent } from '../../utils/format';

export interface SloResults {
  sloObjective: QueryResult;
  sloGood30d: QueryResult;
  sloBudgetLeft: QueryResult;
  sloBurn1h: QueryResult;
  sloAlerts: QueryResult;
}

interface SloRow {
  id: string;
  provider: string;
  slo: string;
  objective: number;
  good?: number;
  budgetLeft?: number;
  burn?: number;
  status: { text: string; color: BadgeColor };
}

const SLO_NAMES: Record<string, string> = { availability: 'Availability', latency: 'Latency' };
const key = (l: Record<string, string>) => `${l.provider}/${l.slo}`;
const byKey = (r: QueryResult) => new Map(r.samples.map((x) => [key(x.labels), x.value]));
const finite = (v: number | undefined) => (v !== undefined && Number.isFinite(v) ? v : undefined);

function status(alerts: Set<string>, budgetLeft: number | undefined): SloRow['status'] {
  if (alerts.has('NexusProviderSLOFastBurn')) {
    return { text: 'Burning fast: paging', color: 'red' };
  }
  if (alerts.has('NexusProviderSLOSlowBurn')) {
    return { text: 'Burning: ticket', color: 'orange' };
  }
  if (budgetLeft !== undefined && budgetLeft < 0) {
    return { text: 'Budget spent', color: 'orange' };
  }
  return { text: 'OK', color: 'green' };
}

export function sloRows(results: SloResults): SloRow[] {
  const good = byKey(results.sloGood30d);
  const budget = byKey(results.sloBudgetLeft);
  const burn = byKey(results.sloBurn1h);
  const alerts = new Map<string, Set<string>>();
  for (const a of results.sloAlerts.samples) {
    const k = key(a.labels);
    alerts.set(k, (alerts.get(k) ?? new Set()).add(a.labels.alertname));
  }
  return (
    results.sloObjective.samples
      // An SLO with no calls in its period has nothing to say yet.
      .filter((o) => finite(good.get(key(o.labels))) !== undefined)
      .map((o) => {
        const k = key(o.labels);
        const budgetLeft = finite(budget.get(k));
        return {
          id: k,
          provider: PROVIDERS.find((p) => p.name === o.labels.provider)?.title ?? o.labels.provider,
          slo: `${SLO_NAMES[o.labels.slo] ?? o.labels.slo} ${formatPercent(o.value)}`,
          objective: o.value,
          good: finite(good.get(k)),
          budgetLeft,
          burn: finite(burn.get(k)),
          status: status(alerts.get(k) ?? new Set(), budgetLeft),
        };
      })
      .sort((a, b) => a.id.localeCompare(b.id))
  );
}

function NumberCell({ children }: { children: React.ReactNode }) {
  const s = useStyles2(getStyles);
  return <span className={s.number}>{children}</span>;
}

const COLUMNS: Array<Column<SloRow>> = [
  { id: 'provider', header: 'Provider' },
  { id: 'slo', header: 'Objective' },
  {
    id: 'good',
    header: 'Good calls, 30 days',
    cell: ({ row: { original } }) => <NumberCell>{formatGood(original.good)}</NumberCell>,
  },
  {
    id: 'budgetLeft',
    header: 'Error budget left',
    cell: ({ row: { original } }) => <NumberCell>{formatPercent(original.budgetLeft)}</NumberCell>,
  },
  {
    id: 'burn',
    header: 'Burn rate, 1 h',
    cell: ({ row: { original } }) => (
      <NumberCell>
        {original.burn === undefined ? '—' : `${original.burn.toFixed(original.burn < 10 ? 2 : 1)}×`}
      </NumberCell>
    ),
  },
  {
    id: 'status',
    header: 'Status',
    cell: ({ row: { original } }) => <Badge color={original.status.color} text={original.status.text} />,
  },
];

/** 99.95% rather than 100% when a few calls failed: the SLI needs more digits than the other ratios. */
function formatGood(v: number | undefined): string {
  if (v === undefined) {
    return '—';
  }
  const pct = Math.floor(v * 10000) / 100;
  return `${pct.toFixed(2)}%`;
}

export function SloStatus({ results }: { results: SloResults }) {
  const rows = sloRows(results);
  if (results.sloObjective.samples.length === 0) {
    // The SLO rules are not loaded in this Prometheus: say where they are rather than show nothing.
    return (
      <section aria-label="Service level objectives">
        <Text element="h3" variant="h4">
          Service level objectives
        </Text>
        <Text color="secondary">
          No SLO rules in this Prometheus. Load provisioning/prometheus/rules/nexus-slo.yml with the other Nexus rules.
        </Text>
      </section>
    );
  }
  return (
    <section aria-label="Service level objectives">
      <Stack direction="column" gap={1}>
        <Text element="h3" variant="h4">
          Service level objectives
        </Text>
        {rows.length === 0 ? (
          <Text color="secondary">
            No real traffic yet: the SLOs measure the apps&apos; own calls, which they send over OTLP to the
            exporter&apos;s receiver or through a Collector.
          </Text>
        ) : (
          <>
            <InteractiveTable columns={COLUMNS} data={rows} getRowId={(r) => r.id} />
            <Text color="secondary" variant="bodySmall">
              Over the apps&apos; real traffic; a latency SLO shows its worst operation.{' '}
              <TextLink href="/d/nexus-slo">Provider SLOs dashboard</TextLink>
            </Text>
          </>
        )}
      </Stack>
    </section>
  );
}

const getStyles = () => ({
  number: css({
    whiteSpace: 'nowrap',
    fontVariantNumeric: 'tabular-nums',
  }),
});
