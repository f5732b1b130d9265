import React from 'react';
import { Alert, Button } from '@grafana/ui';
import type { ApiError } from '../api/client';

/** A failed load, with what went wrong and a retry. */
export function ErrorState({ title, error, onRetry }: { title: string; error: ApiError; onRetry?: () => void }) {
  return (
    <Alert severity="error" title={title}>
      <p>{error.message}</p>
      {onRetry && (
        <Button size="sm" variant="secondary" icon="sync" onClick={onRetry}>
          Retry
        </Button>
      )}
    </Alert>
  );
}
