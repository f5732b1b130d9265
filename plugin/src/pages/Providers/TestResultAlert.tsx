import React from 'react';
import { Alert } from '@grafana/ui';
import type { TestResult } from '../../api/exporter.types';

const REASONS: Record<string, string> = {
  auth: 'The provider rejected the credentials',
  rate_limited: 'The provider is rate limiting this key',
  server: 'The provider answered with a server error',
  timeout: 'The provider did not answer in time',
  network: 'The exporter could not reach the provider',
  bad_response: 'The provider answered something unexpected',
  client: 'The provider rejected the request',
};

export function TestResultAlert({ result }: { result: TestResult }) {
  if (result.ok) {
    return <Alert severity="success" title={`Connection OK (${Math.round(result.latencyMs)} ms)`} />;
  }
  return (
    <Alert severity="error" title={`Connection failed: ${REASONS[result.reason ?? ''] ?? 'unknown error'}`}>
      {result.message}
    </Alert>
  );
}
