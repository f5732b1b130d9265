import React, { useState } from 'react';
import { dateTimeFormat, dateTimeFormatTimeAgo } from '@grafana/data';
import { Badge, Button, Card, ConfirmModal, Stack, Text, Tooltip } from '@grafana/ui';
import { toApiError, type ApiError } from '../../api/client';
import { deleteAccount, testAccount } from '../../api/exporter';
import type { AccountState, TestResult } from '../../api/exporter.types';
import type { ProviderInfo } from '../../providers/catalog';
import { testIds } from '../../components/testIds';
import { AccountForm } from './AccountForm';
import { TestResultAlert } from './TestResultAlert';

interface Props {
  info: ProviderInfo;
  state: AccountState;
  onChanged: () => void;
}

export function StatusBadge({ state }: { state: AccountState }) {
  if (!state.enabled) {
    return <Badge color="darkgrey" icon="pause" text="Disabled" />;
  }
  if (state.circuitOpen) {
    return (
      <Badge color="orange" icon="exclamation-triangle" text={`Paused after ${state.consecutiveFailures} failures`} />
    );
  }
  if (state.up) {
    return <Badge color="green" icon="check" text="Up" />;
  }
  if (!state.lastError && !state.lastSuccess) {
    return <Badge color="blue" icon="clock-nine" text="Waiting for first poll" />;
  }
  return <Badge color="red" icon="times" text="Down" />;
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
            {state.lastError && (
              <Text color="error" variant="bodySmall">
                Last error ({state.lastError.reason}, {dateTimeFormatTimeAgo(state.lastError.at)}):{' '}
                {state.lastError.message}
              </Text>
            )}
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
        <Card.Tags>{readOnly && <Badge color="purple" icon="file-alt" text="Config file" />}</Card.Tags>
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
