import React from 'react';
import { Alert, LinkButton } from '@grafana/ui';
import { PLUGIN_CONFIG_URL } from '../constants';

/** Shown instead of a page's content when the app is missing the settings that page needs. */
export function NotConfigured({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <Alert severity="info" title={title}>
      <p>{children}</p>
      <LinkButton href={PLUGIN_CONFIG_URL} icon="cog" variant="secondary">
        Open the configuration page
      </LinkButton>
    </Alert>
  );
}
