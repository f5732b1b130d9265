import React from 'react';
import { screen, within } from '@testing-library/react';
import Alerts, { AlertsContent } from './Alerts';
import { SHIPPED_ALERT_RULES } from '../../generated/alertRules';
import type { ShippedAlertRule } from '../../types';
import { appMeta } from '../../test/fixtures';
import { renderPage } from '../../test/render';

const RULE: ShippedAlertRule = {
  name: 'NexusProviderDown',
  group: 'nexus.providers',
  file: 'provisioning/prometheus/rules/nexus-providers.yml',
  expr: 'max by (provider, account) (nexus_provider_up) == 0',
  for: '10m',
  severity: 'critical',
  labels: { severity: 'critical' },
  summary: 'A provider account cannot be polled.',
  description: 'Polls of {{ $labels.provider }} have failed for 10 minutes.',
  runbookUrl: 'https://example.com/runbooks#nexusproviderdown',
};

describe('Alerts page', () => {
  test('explains each rule and links to its state in Grafana Alerting', () => {
    renderPage(<AlertsContent rules={[RULE]} alertmanagerUrl="http://alertmanager:9093" />);
    expect(screen.getByText('NexusProviderDown')).toBeInTheDocument();
    expect(screen.getByText('A provider account cannot be polled.')).toBeInTheDocument();
    expect(screen.getByText('Polls of ‹provider› have failed for 10 minutes.')).toBeInTheDocument();
    expect(screen.getByText('critical')).toBeInTheDocument();
    expect(screen.getByText(/Fires after 10m/)).toBeInTheDocument();
    expect(screen.getByLabelText('NexusProviderDown expression')).toHaveTextContent(
      'max by (provider, account) (nexus_provider_up) == 0'
    );
    expect(screen.getByRole('link', { name: /State in Grafana Alerting/ })).toHaveAttribute(
      'href',
      '/alerting/list?search=rule%3ANexusProviderDown'
    );
    expect(screen.getByRole('link', { name: /Alertmanager: active alert groups/ })).toHaveAttribute(
      'href',
      '/alerting/groups'
    );
    expect(screen.getByRole('link', { name: /Open Alertmanager/ })).toHaveAttribute('href', 'http://alertmanager:9093');
    expect(screen.getByRole('link', { name: RULE.runbookUrl })).toHaveAttribute('href', RULE.runbookUrl);
  });

  test('empty state: no rules shipped', () => {
    renderPage(<AlertsContent rules={[]} />);
    expect(screen.getByText('No alert rules were shipped with this build')).toBeInTheDocument();
    expect(screen.queryByRole('link', { name: /Open Alertmanager/ })).not.toBeInTheDocument();
  });

  test('the page shows the rules generated from provisioning/prometheus/rules', () => {
    renderPage(<Alerts />, appMeta());
    expect(SHIPPED_ALERT_RULES.length).toBeGreaterThan(0);
    for (const rule of SHIPPED_ALERT_RULES) {
      expect(screen.getAllByText(rule.name).length).toBeGreaterThan(0);
    }
    const first = screen.getByLabelText(`${SHIPPED_ALERT_RULES[0].name} expression`);
    expect(within(first).getByText(SHIPPED_ALERT_RULES[0].expr, { normalizer: (s) => s })).toBeInTheDocument();
  });
});
