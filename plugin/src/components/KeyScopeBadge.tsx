import React from 'react';
import { Badge } from '@grafana/ui';

/**
 * Marks spend the exporter reports with `scope="key"` (OpenRouter without a management key): the
 * configured API key's spend, not the organization's. Added to an account-wide figure of the same
 * organization it would be counted twice.
 */
export function KeyScopeBadge() {
  return (
    <Badge
      color="purple"
      icon="key-skeleton-alt"
      text="One key's spend"
      tooltip={
        'This spend covers only the configured API key (scope="key"), not the whole organization: add a management key for the account-wide spend. ' +
        'Do not add it to an account-wide figure of the same organization; that would count this key twice.'
      }
    />
  );
}
