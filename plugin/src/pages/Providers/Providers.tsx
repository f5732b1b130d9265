import React, { useEffect, useState } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { PluginPage } from '@grafana/runtime';
import { Alert, Badge, Button, LoadingPlaceholder, Stack, Text, useStyles2 } from '@grafana/ui';
import { stopsAutoRefresh } from '../../api/client';
import { listProviders } from '../../api/exporter';
import type { ProviderEntry } from '../../api/exporter.types';
import { ErrorState } from '../../components/ErrorState';
import { NotConfigured } from '../../components/NotConfigured';
import { PROVIDERS, type ProviderInfo } from '../../providers/catalog';
import { useAppConfig } from '../../utils/appMeta';
import { useLoad } from '../../utils/useLoad';
import { AccountCard } from './AccountCard';
import { AccountForm } from './AccountForm';

/** Status is refreshed this often while the page is open (the exporter's state changes on every poll). */
export const REFRESH_MS = 10_000;

function ProviderSection({
  info,
  entry,
  onChanged,
}: {
  info: ProviderInfo;
  entry?: ProviderEntry;
  onChanged: () => void;
}) {
  const s = useStyles2(getStyles);
  const [adding, setAdding] = useState(false);
  const accounts = entry?.accounts ?? [];
  const implemented = entry?.implemented ?? false;
  return (
    <section className={s.section} aria-labelledby={`nexus-provider-${info.name}`}>
      <Stack justifyContent="space-between" alignItems="flex-start">
        <div>
          <Text element="h3" variant="h4" id={`nexus-provider-${info.name}`}>
            {info.title}
          </Text>
          <Text color="secondary" variant="bodySmall" element="p">
            {info.description}{' '}
            <a className={s.link} href={info.docsUrl} target="_blank" rel="noreferrer">
              Provider docs
            </a>
          </Text>
        </div>
        {implemented ? (
          <Button
            icon="plus"
            variant="secondary"
            onClick={() => setAdding(true)}
            disabled={adding}
            aria-label={`Add ${info.title} account`}
          >
            Add account
          </Button>
        ) : (
          <Badge color="darkgrey" text="Not available in this exporter version" />
        )}
      </Stack>
      <Stack direction="column" gap={1}>
        {adding && (
          <AccountForm
            info={info}
            onSaved={() => {
              setAdding(false);
              onChanged();
            }}
            onCancel={() => setAdding(false)}
          />
        )}
        {accounts.map((a) => (
          <AccountCard key={a.account} info={info} state={a} onChanged={onChanged} />
        ))}
        {accounts.length === 0 && !adding && (
          <Text color="secondary" italic>
            No {info.title} accounts.
          </Text>
        )}
      </Stack>
    </section>
  );
}

function PausedRefresh() {
  return (
    <Alert severity="warning" title="Auto-refresh is paused">
      Asking again on a timer cannot fix this and, with a wrong token, would keep counting failed logins at the
      exporter. Fix the cause, then click Refresh or Retry.
    </Alert>
  );
}

export function ProvidersContent() {
  const providers = useLoad(listProviders);
  const { reload } = providers;
  // A 401, 403 or 429 does not go away by asking again: the page stops refreshing until the user does.
  const paused = providers.error !== undefined && stopsAutoRefresh(providers.error);

  useEffect(() => {
    if (paused) {
      return;
    }
    const timer = setInterval(reload, REFRESH_MS);
    return () => clearInterval(timer);
  }, [reload, paused]);

  if (providers.error && !providers.data) {
    return (
      <Stack direction="column" gap={2}>
        <ErrorState title="Could not load provider accounts" error={providers.error} onRetry={reload} />
        {paused && <PausedRefresh />}
      </Stack>
    );
  }
  if (!providers.data) {
    return <LoadingPlaceholder text="Loading provider accounts…" />;
  }
  const total = providers.data.reduce((n, p) => n + p.accounts.length, 0);
  return (
    <Stack direction="column" gap={3}>
      <Stack justifyContent="space-between" alignItems="center">
        <Text color="secondary">
          {total === 0
            ? 'No provider accounts yet: add one below. Keys are sent to the exporter, which stores them encrypted; they are never shown again.'
            : `${total} account${total === 1 ? '' : 's'}.${paused ? '' : ` Status refreshes every ${REFRESH_MS / 1000} seconds.`}`}
        </Text>
        <Button variant="secondary" icon={providers.loading ? 'spinner' : 'sync'} onClick={reload}>
          Refresh
        </Button>
      </Stack>
      {providers.error && <ErrorState title="Could not refresh the status" error={providers.error} onRetry={reload} />}
      {paused && <PausedRefresh />}
      {PROVIDERS.map((info) => (
        <ProviderSection
          key={info.name}
          info={info}
          entry={providers.data!.find((p) => p.provider === info.name)}
          onChanged={reload}
        />
      ))}
    </Stack>
  );
}

export default function Providers() {
  const { exporterConfigured } = useAppConfig();
  return (
    <PluginPage>
      {exporterConfigured ? (
        <ProvidersContent />
      ) : (
        <NotConfigured title="Connect the exporter first">
          Set the exporter URL and admin token on the configuration page to manage provider accounts.
        </NotConfigured>
      )}
    </PluginPage>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  section: css({
    display: 'flex',
    flexDirection: 'column',
    gap: theme.spacing(1),
    paddingBottom: theme.spacing(2),
    borderBottom: `1px solid ${theme.colors.border.weak}`,
  }),
  link: css({
    color: theme.colors.text.link,
  }),
});
