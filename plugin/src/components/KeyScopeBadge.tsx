import React from 'react';
import { Badge } from '@grafana/ui';

/**
 * Marks spend that covers only the configured key(s) (`scope="key"`: OpenRouter without a management
 * key, Exa with `apiKeyIds`), not the organization's: an account-wide account of the same organization
 * already includes it, so totals leave it out where there is one (docs/metrics.md, "Totals that do not double
 * count"). The exporter's `spendScope` (admin API) and the series' `scope` label say the same.
 */
export function KeyScopeBadge() {
  return (
    <Badge
      color="purple"
      icon="key-skeleton-alt"
      text="Key-only spend"
      tooltip={
        'This spend covers only the configured API key(s) (scope="key"), not the whole organization: add a management key (OpenRouter) or read every key (Exa: no apiKeyIds) for the account-wide spend. ' +
        'Do not add it to an account-wide figure of the same organization; that would count the key twice. Totals leave it out when the provider has an account-wide account.'
      }
    />
  );
}
