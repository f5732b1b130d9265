import React, { useState } from 'react';
import { css } from '@emotion/css';
import { dateTimeFormat, dateTimeFormatTimeAgo, type GrafanaTheme2 } from '@grafana/data';
import { Badge, Button, Card, ConfirmModal, Icon, Stack, Text, Tooltip, useStyles2 } from '@grafana/ui';
import { toApiError, type ApiError } from '../../api/client';
import { deleteAccount, testAccount } from '../../api/exporter';
import type { AccountState, SourceState, TestResult } from '../../api/exporter.types';
import type { ProviderInfo } from '../../providers/catalog';
import { KeyScopeBadge } from '../../components/KeyScopeBadge';
import { testIds } from '../../components/testIds';
import { AccountForm } from './AccountForm';
import { failingSources, health, sourceLabel } from './Providers.status';
import { TestResultAlert } from './TestResultAlert';

interface Props {
  info: ProviderInfo;
  state: AccountState;
  onChanged: () => void;
}

export function StatusBadge({ state }: { state: AccountState }) {
  switch (health(state)) {
    case 'disabled':
      return <Badge color="darkgrey" icon="pause" text="Disabled" />;
    case 'paused':
      return (
        <Badge color="orange" icon="exclamation-triangle" text={`Paused after ${state.consecutiveFailures} failures`} />
      );
    case 'up':
      return <Badge color="green" icon="check" text="Up" />;
    case 'partial': {
      const failing = failingSources(state).length;
      return (
        <Badge
          color="orange"
          icon="exclamation-triangle"
          text={failing > 0 ? `Partial: ${failing} of ${state.sources.length} sources failing` : 'Partial'}
          tooltip="The last poll read some sources; the failing ones keep serving their last good data."
        />
      );
    }
    case 'waiting':
      return <Badge color="blue" icon="clock-nine" text="Waiting for first poll" />;
    default:
      return <Badge color="red" icon="times" text="Down" />;
  }
}

function When({ iso, label }: { iso: string | null; label: string }) {
  if (!iso) {
    return null;
  }
  return (
    <Tooltip content={dateTimeFormat(iso)}>
      <span>
        {label} {dateTimeFormatTimeAgo(iso)}
      </span>
    </Tooltip>
  );
}

const lastRead = (s: SourceState) => (s.lastRead ? `read ${dateTimeFormatTimeAgo(s.lastRead)}` : 'never read');

/** `exa.usage: Staging is failing (server, 5 minutes ago): … Its metrics keep the values read 2 hours ago.` */
export function failingText(x: SourceState): string {
  const why = x.lastError
    ? ` (${x.lastError.reason}, ${dateTimeFormatTimeAgo(x.lastError.at)}): ${x.lastError.message.replace(/\.$/, '')}`
    : '';
  const kept = x.lastRead
    ? `Its metrics keep the values ${lastRead(x)}.`
    : 'It has never been read, so it has no metrics yet.';
  return `${sourceLabel(x)} is failing${why}. ${kept}`;
}

/** Why each failing source fails, and on demand every source with its last read. */
function Sources({ state }: { state: AccountState }) {
  const s = useStyles2(getStyles);
  const [open, setOpen] = useState(false);
  if (state.sources.length === 0) {
    return null;
  }
  const failing = failingSources(state);
  return (
    <div data-testid={testIds.providers.sources(state.provider, state.account)}>
      {state.enabled && failing.length > 0 && (
        <ul className={s.list} aria-label="Failing sources">
          {failing.map((x) => (
            <li key={x.source} title={x.source}>
              <Text color="warning" variant="bodySmall">
                {failingText(x)}
              </Text>
            </li>
          ))}
        </ul>
      )}
      <Button
        size="sm"
        variant="secondary"
        fill="text"
        icon={open ? 'angle-down' : 'angle-right'}
        onClick={() => setOpen((o) => !o)}
        aria-expanded={open}
      >
        {open ? 'Hide sources' : `Sources (${state.sources.length - failing.length} of ${state.sources.length} up)`}
      </Button>
      {open && (
        <ul className={s.list} aria-label={`Sources of ${state.account}`}>
          {state.sources.map((x) => (
            <li key={x.source} title={x.source}>
              <span role="img" aria-label={x.up ? 'up' : 'failing'} className={x.up ? s.up : s.down}>
                <Icon name={x.up ? 'check' : 'times'} />
              </span>
              <Text variant="bodySmall">{sourceLabel(x)}</Text>{' '}
              <Text color="secondary" variant="bodySmall">
                {lastRead(x)}
              </Text>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function AccountCard({ info, state, onChanged }: Props) {
  const [editing, setEditing] = useState(false);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [testing, setTesting] = useState(false);
  const [testResult, setTestResult] = useState<TestResult>();
  const [error, setError] = useState<ApiError>();
  const readOnly = state.source === 'config';
  const keys = info.credentials.filter((f) => state.credentials[f.key]?.set);

  const onTest = async () => {
    setTesting(true);
    setTestResult(undefined);
    setError(undefined);
    try {
      setTestResult(await testAccount(state.provider, state.account));
    } catch (e) {
      setError(toApiError(e));
    } finally {
      setTesting(false);
    }
  };

  const onDelete = async () => {
    setConfirmDelete(false);
    setError(undefined);
    try {
      await deleteAccount(state.provider, state.account);
      onChanged();
    } catch (e) {
      setError(toApiError(e));
    }
  };

  return (
    <div data-testid={testIds.providers.account(state.provider, state.account)}>
      <Card noMargin>
        <Card.Heading>{state.account}</Card.Heading>
        <Card.Meta>
          <span data-testid={testIds.providers.status(state.provider, state.account)}>
            <StatusBadge state={state} />
          </span>
          <When iso={state.lastSuccess} label="Last success" />
          {state.lastRead && state.lastRead !== state.lastSuccess && <When iso={state.lastRead} label="Last read" />}
          {state.enabled && <When iso={state.nextPoll} label="Next poll" />}
          <span>Every {state.pollIntervalSeconds} s</span>
          <span>{state.baseUrl}</span>
        </Card.Meta>
        <Card.Description>
          <Stack direction="column" gap={1}>
            {keys.length > 0 && (
              <Text color="secondary" variant="bodySmall">
                {keys
                  .map(
                    (f) =>
                      `${f.label}: ${state.credentials[f.key]?.last4 ? `…${state.credentials[f.key]!.last4}` : 'set'}`
                  )
                  .join(' · ')}
              </Text>
            )}
            {/* A partial poll's errors are the failing sources'; once up, the last error is history. */}
            {state.lastError && health(state) !== 'partial' && (
              <Text color={state.up ? 'secondary' : 'error'} variant="bodySmall">
                Last error ({state.lastError.reason}, {dateTimeFormatTimeAgo(state.lastError.at)}):{' '}
                {state.lastError.message}
              </Text>
            )}
            <Sources state={state} />
            {readOnly && (
              <Text color="secondary" variant="bodySmall">
                Defined in the exporter&apos;s configuration file: change it there.
              </Text>
            )}
            {testResult && <TestResultAlert result={testResult} />}
            {error && (
              <Text color="error" variant="bodySmall">
                {error.message}
              </Text>
            )}
          </Stack>
        </Card.Description>
        <Card.Tags>
          {state.spendScope === 'key' && <KeyScopeBadge />}
          {readOnly && <Badge color="purple" icon="file-alt" text="Config file" />}
        </Card.Tags>
        <Card.Actions>
          <Button
            size="sm"
            variant="secondary"
            icon={testing ? 'spinner' : 'heart-rate'}
            disabled={testing}
            onClick={onTest}
          >
            Test connection
          </Button>
          {!readOnly && (
            <Button
              size="sm"
              variant="secondary"
              icon="pen"
              onClick={() => setEditing((e) => !e)}
              aria-expanded={editing}
            >
              Edit
            </Button>
          )}
        </Card.Actions>
        <Card.SecondaryActions>
          {!readOnly && (
            <Button
              size="sm"
              variant="destructive"
              fill="text"
              icon="trash-alt"
              onClick={() => setConfirmDelete(true)}
              aria-label={`Delete ${state.account}`}
            >
              Delete
            </Button>
          )}
        </Card.SecondaryActions>
      </Card>
      {editing && (
        <AccountForm
          info={info}
          state={state}
          onSaved={() => {
            setEditing(false);
            onChanged();
          }}
          onCancel={() => setEditing(false)}
        />
      )}
      <ConfirmModal
        isOpen={confirmDelete}
        title={`Delete ${info.title} account ${state.account}?`}
        body="The exporter stops polling it, forgets its credentials and budgets, and its series disappear from /metrics."
        confirmText="Delete"
        onConfirm={onDelete}
        onDismiss={() => setConfirmDelete(false)}
      />
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  list: css({
    listStyle: 'none',
    margin: 0,
    padding: 0,
    display: 'flex',
    flexDirection: 'column',
    gap: theme.spacing(0.25),
  }),
  up: css({
    color: theme.colors.success.text,
    marginRight: theme.spacing(0.5),
  }),
  down: css({
    color: theme.colors.error.text,
    marginRight: theme.spacing(0.5),
  }),
});
