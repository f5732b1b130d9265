import React from 'react';
import { css } from '@emotion/css';
import { formattedValueToString, getValueFormat, type GrafanaTheme2 } from '@grafana/data';
import { PluginPage } from '@grafana/runtime';
import {
  Alert,
  Badge,
  Button,
  Card,
  type Column,
  InteractiveTable,
  LinkButton,
  LoadingPlaceholder,
  Stack,
  Text,
  TextLink,
  useStyles2,
} from '@grafana/ui';
import { instantQueries, type QueryResult, type Sample } from '../../api/prometheus';
import { ErrorState } from '../../components/ErrorState';
import { KeyScopeBadge } from '../../components/KeyScopeBadge';
import { NotConfigured } from '../../components/NotConfigured';
import { ROUTES, prefixRoute } from '../../constants';
import { BUNDLED_DASHBOARDS } from '../../generated/dashboards';
import { PROVIDERS } from '../../providers/catalog';
import type { BundledDashboard } from '../../types';
import { useAppConfig } from '../../utils/appMeta';
import { creditTypeName, formatCount, formatPercent, formatUsd } from '../../utils/format';
import { useLoad } from '../../utils/useLoad';
import { OVERVIEW_QUERIES, SLO_QUERIES, type OverviewQuery } from './Overview.queries';
import { SloStatus } from './SloStatus';

type Results = Record<OverviewQuery, QueryResult>;

/** Grafana's unit formatting, for durations only: money and counts are never abbreviated (utils/format). */
export const format = (unit: string, value: number | undefined, decimals?: number) =>
  value === undefined ? '—' : formattedValueToString(getValueFormat(unit)(value, decimals));

const total = (r?: QueryResult) =>
  r && r.samples.length > 0 ? r.samples.reduce((sum, s) => sum + s.value, 0) : undefined;

const TONES = { ok: 'success', warning: 'warning', error: 'error' } as const;

function Stat({
  title,
  value,
  detail,
  tone,
}: {
  title: string;
  value: string;
  detail?: string;
  tone?: keyof typeof TONES;
}) {
  const s = useStyles2(getStyles);
  const id = title.toLowerCase().replace(/[^a-z0-9]+/g, '-');
  return (
    <Card noMargin className={s.stat} data-testid={`data-testid nexus-stat-${id}`}>
      <Card.Heading>{title}</Card.Heading>
      <Card.Description>
        <span className={s.number}>
          <Text element="p" variant="h2" color={tone ? TONES[tone] : 'primary'}>
            {value}
          </Text>
        </span>
        {detail && (
          <Text color="secondary" variant="bodySmall">
            {detail}
          </Text>
        )}
      </Card.Description>
    </Card>
  );
}

function byProvider(r: QueryResult | undefined) {
  return new Map((r?.samples ?? []).map((s) => [s.labels.provider, s.value]));
}

/** A key-only account inside an account-wide figure of its provider: shown as a part, never added. */
interface KeyPart {
  account: string;
  value: number;
}

interface ProviderRow {
  provider: string;
  title: string;
  up: number;
  accounts: number;
  today?: number;
  month?: number;
  /** The provider's figures are the sum of key-only accounts: no account-wide account covers it. */
  keyOnly: boolean;
  todayParts: KeyPart[];
  monthParts: KeyPart[];
}

const PROVIDER_COLUMNS: Array<Column<ProviderRow>> = [
  {
    id: 'title',
    header: 'Provider',
    cell: ({ row: { original } }) => (
      <Stack gap={1} alignItems="center">
        <span>{original.title}</span>
        {original.keyOnly && <KeyScopeBadge />}
      </Stack>
    ),
  },
  {
    id: 'up',
    header: 'Accounts up',
    cell: ({ row: { original } }) => (
      <Badge
        color={original.up === original.accounts ? 'green' : 'red'}
        text={`${original.up} / ${original.accounts}`}
      />
    ),
  },
  {
    id: 'today',
    header: 'Spend today',
    cell: ({ row: { original } }) => <Money value={original.today} parts={original.todayParts} />,
  },
  {
    id: 'month',
    header: 'Month to date',
    cell: ({ row: { original } }) => <Money value={original.month} parts={original.monthParts} />,
  },
];

function Money({ value, parts = [] }: { value?: number; parts?: KeyPart[] }) {
  const s = useStyles2(getStyles);
  if (parts.length === 0) {
    return <span className={s.number}>{formatUsd(value)}</span>;
  }
  return (
    <Stack direction="column" gap={0}>
      <span className={s.number}>{formatUsd(value)}</span>
      {parts.map((p) => (
        <Text key={p.account} color="secondary" variant="bodySmall">
          <span className={s.number}>
            of which {p.account} (one key): {formatUsd(p.value)}
          </span>
        </Text>
      ))}
    </Stack>
  );
}

function keyParts(r: QueryResult | undefined, provider: string): KeyPart[] {
  return (r?.samples ?? [])
    .filter((s) => s.labels.provider === provider)
    .map((s) => ({ account: s.labels.account ?? '', value: s.value }))
    .sort((a, b) => a.account.localeCompare(b.account));
}

interface CreditRow {
  id: string;
  provider: string;
  account: string;
  type: string;
  left: number;
  limit?: number;
}

const CREDIT_COLUMNS: Array<Column<CreditRow>> = [
  { id: 'provider', header: 'Provider' },
  { id: 'account', header: 'Account' },
  { id: 'type', header: 'Credit type' },
  {
    id: 'left',
    header: 'Left',
    cell: ({ row: { original } }) => (
      <NumberCell>
        {formatCount(original.left)}
        {original.limit ? ` of ${formatCount(original.limit)} (${formatPercent(original.left / original.limit)})` : ''}
      </NumberCell>
    ),
  },
];

function NumberCell({ children }: { children: React.ReactNode }) {
  const s = useStyles2(getStyles);
  return <span className={s.number}>{children}</span>;
}

/** Credits left per account and credit type, with readable names; credit types are never added up. */
function CreditsTable({ left, limit }: { left: Sample[]; limit: Sample[] }) {
  if (left.length === 0) {
    return null;
  }
  const key = (l: Record<string, string>) => `${l.provider}/${l.account}/${l.credit_type}`;
  const limits = new Map(limit.map((x) => [key(x.labels), x.value]));
  const rows: CreditRow[] = left
    .map((x) => ({
      id: key(x.labels),
      provider: PROVIDERS.find((p) => p.name === x.labels.provider)?.title ?? x.labels.provider,
      account: x.labels.account,
      type: creditTypeName(x.labels.credit_type ?? ''),
      left: x.value,
      limit: limits.get(key(x.labels)),
    }))
    .sort((a, b) => a.id.localeCompare(b.id));
  return (
    <section aria-label="Credits left">
      <Text element="h3" variant="h4">
        Credits left
      </Text>
      <InteractiveTable columns={CREDIT_COLUMNS} data={rows} getRowId={(r) => r.id} />
    </section>
  );
}

function ProviderTable({ results }: { results: Results }) {
  const today = byProvider(results.providerToday);
  const month = byProvider(results.providerMonth);
  const up = results.up.samples;
  const keyOnly = new Set(results.keyOnlyProviders.samples.map((s) => s.labels.provider));
  const rows: ProviderRow[] = PROVIDERS.filter(
    (p) => up.some((u) => u.labels.provider === p.name) || month.has(p.name)
  ).map((p) => {
    const accounts = up.filter((u) => u.labels.provider === p.name);
    return {
      provider: p.name,
      title: p.title,
      up: accounts.filter((u) => u.value === 1).length,
      accounts: accounts.length,
      today: today.get(p.name),
      month: month.get(p.name),
      keyOnly: keyOnly.has(p.name),
      todayParts: keyParts(results.keyPartsToday, p.name),
      monthParts: keyParts(results.keyPartsMonth, p.name),
    };
  });
  if (rows.length === 0) {
    return null;
  }
  return <InteractiveTable columns={PROVIDER_COLUMNS} data={rows} getRowId={(r) => r.provider} />;
}

function DownAccounts({ up }: { up: Sample[] }) {
  const down = up.filter((s) => s.value !== 1);
  if (down.length === 0) {
    return null;
  }
  return (
    <Alert severity="error" title={`${down.length} account${down.length === 1 ? ' is' : 's are'} down`}>
      {down.map((s) => `${s.labels.provider}/${s.labels.account}`).join(', ')}.{' '}
      <TextLink href={prefixRoute(ROUTES.Providers)}>See the last errors on the Providers page</TextLink>
    </Alert>
  );
}

export function DashboardLinks({ dashboards }: { dashboards: BundledDashboard[] }) {
  if (dashboards.length === 0) {
    return (
      <Text color="secondary" italic>
        No dashboards are bundled with this build.
      </Text>
    );
  }
  return (
    <Stack gap={1} wrap="wrap">
      {dashboards.map((d) => (
        <LinkButton key={d.uid} variant="secondary" icon="apps" href={`/d/${d.uid}`}>
          {d.title}
        </LinkButton>
      ))}
    </Stack>
  );
}

export function OverviewContent({
  datasourceUid,
  dashboards,
}: {
  datasourceUid: string;
  dashboards: BundledDashboard[];
}) {
  const s = useStyles2(getStyles);
  const load = useLoad(() => instantQueries(datasourceUid, OVERVIEW_QUERIES) as Promise<Results>, datasourceUid);
  const results = load.data;

  let body: React.ReactNode;
  if (load.error && !results) {
    body = <ErrorState title="Could not query Prometheus" error={load.error} onRetry={load.reload} />;
  } else if (!results) {
    body = <LoadingPlaceholder text="Querying Prometheus…" />;
  } else if (
    Object.entries(results).every(
      ([name, r]) => (SLO_QUERIES as readonly string[]).includes(name) || (r.samples.length === 0 && !r.error)
    )
  ) {
    body = (
      <Alert severity="info" title="No Nexus metrics yet">
        The data source has no series from the exporter. Check that Prometheus scrapes it, and add provider accounts on
        the <TextLink href={prefixRoute(ROUTES.Providers)}>Providers page</TextLink>.
      </Alert>
    );
  } else {
    const failed = Object.entries(results).filter(([, r]) => r.error);
    const budget = total(results.budgetUsed);
    const upCount = results.up.samples.filter((x) => x.value === 1).length;
    body = (
      <Stack direction="column" gap={2}>
        {failed.length > 0 && (
          <Alert severity="warning" title="Some numbers could not be queried">
            {failed.map(([name, r]) => `${name}: ${r.error}`).join('; ')}
          </Alert>
        )}
        <DownAccounts up={results.up.samples} />
        <div className={s.stats}>
          <Stat
            title="Spend today"
            value={formatUsd(total(results.spendToday))}
            detail="UTC day, as the providers report it"
          />
          <Stat title="Month to date" value={formatUsd(total(results.spendMonth))} detail="UTC month" />
          <Stat
            title="Budget used"
            value={formatPercent(budget)}
            detail={budget === undefined ? 'No monthly budgets set' : 'Highest account, this month'}
            tone={budget === undefined ? undefined : budget >= 1 ? 'error' : budget >= 0.8 ? 'warning' : 'ok'}
          />
          <Stat
            title="Money left"
            value={formatUsd(total(results.moneyLeft))}
            detail="Prepaid balances and key limits"
          />
          <Stat
            title="Accounts up"
            value={`${upCount} / ${results.up.samples.length}`}
            tone={results.up.samples.length === 0 ? undefined : upCount === results.up.samples.length ? 'ok' : 'error'}
          />
          <Stat
            title="Provider errors"
            value={formatCount(total(results.errors1h) ?? 0)}
            detail="Failed calls, last hour"
            tone={(total(results.errors1h) ?? 0) > 0 ? 'warning' : 'ok'}
          />
          <Stat title="Provider latency p95" value={format('s', total(results.latencyP95))} detail="Last 15 minutes" />
        </div>
        <ProviderTable results={results} />
        <SloStatus results={results} />
        <CreditsTable left={results.creditsLeft.samples} limit={results.creditsLimit.samples} />
      </Stack>
    );
  }

  return (
    <Stack direction="column" gap={3}>
      <Stack justifyContent="space-between" alignItems="center">
        <Text color="secondary">Health and spend at a glance; the dashboards have the history.</Text>
        <Button variant="secondary" icon={load.loading ? 'spinner' : 'sync'} onClick={load.reload}>
          Refresh
        </Button>
      </Stack>
      {body}
      <section aria-label="Dashboards">
        <Text element="h3" variant="h4">
          Dashboards
        </Text>
        <DashboardLinks dashboards={dashboards} />
      </section>
    </Stack>
  );
}

export default function Overview() {
  const { settings } = useAppConfig();
  return (
    <PluginPage>
      {settings.prometheusDatasourceUid ? (
        <OverviewContent datasourceUid={settings.prometheusDatasourceUid} dashboards={BUNDLED_DASHBOARDS} />
      ) : (
        <Stack direction="column" gap={3}>
          <NotConfigured title="Choose a Prometheus data source">
            The Overview queries the Prometheus that scrapes the exporter. Pick it on the configuration page.
          </NotConfigured>
          <DashboardLinks dashboards={BUNDLED_DASHBOARDS} />
        </Stack>
      )}
    </PluginPage>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  stats: css({
    display: 'grid',
    gridTemplateColumns: `repeat(auto-fill, minmax(${theme.spacing(28)}, 1fr))`,
    gap: theme.spacing(2),
  }),
  stat: css({
    height: '100%',
  }),
  number: css({
    whiteSpace: 'nowrap',
    fontVariantNumeric: 'tabular-nums',
  }),
});
