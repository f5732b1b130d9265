import React from 'react';
import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter } from 'react-router-dom';
import Alerts, { AlertsContent } from './Alerts';
import { runbookAnchor } from './Alerts.utils';
import { SHIPPED_ALERT_RULES } from '../../generated/alertRules';
import { RUNBOOKS as RUNBOOK_SECTIONS } from '../../generated/runbooks';
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

const RUNBOOKS = {
  nexusproviderdown: {
    title: 'NexusProviderDown',
    markdown: '**Severity:** critical. See [NexusProviderAuthFailing](#nexusproviderauthfailing).',
  },
};

const BUDGET_RULE: ShippedAlertRule = {
  ...RULE,
  name: 'NexusBudgetExceeded',
  group: 'nexus.budgets',
  severity: 'critical',
  summary: 'Spend is over budget.',
  description: undefined,
  runbookUrl: 'docs/runbooks.md#nexusbudgetexceeded',
};
const WARNING_RULE: ShippedAlertRule = {
  ...RULE,
  name: 'NexusProviderLatencyHigh',
  severity: 'warning',
  summary: 'Slow.',
};

describe('Alerts page', () => {
  test('explains each rule and links to its state in Grafana Alerting and to its runbook', async () => {
    renderPage(<AlertsContent rules={[RULE]} alertmanagerUrl="http://alertmanager:9093" runbooks={RUNBOOKS} />);
    expect(screen.getByRole('link', { name: 'NexusProviderDown' })).toHaveAttribute(
      'href',
      '/alerting/list?search=rule%3ANexusProviderDown'
    );
    expect(screen.getByText('A provider account cannot be polled.')).toBeInTheDocument();
    expect(screen.getByText('Polls of ‹provider› have failed for 10 minutes.')).toBeInTheDocument();
    expect(screen.getByText('critical')).toBeInTheDocument();
    expect(screen.getByText(/fires after 10m/)).toBeInTheDocument();
    expect(screen.getByRole('link', { name: /State in Grafana Alerting/ })).toHaveAttribute(
      'href',
      '/alerting/list?search=rule%3ANexusProviderDown'
    );
    expect(screen.getByRole('link', { name: /Alertmanager: active alert groups/ })).toHaveAttribute(
      'href',
      '/alerting/groups'
    );
    expect(screen.getByRole('link', { name: /Open Alertmanager/ })).toHaveAttribute('href', 'http://alertmanager:9093');
    // The runbook is shown in the app, not as a repository path.
    expect(screen.getByRole('link', { name: /Runbook/ })).toHaveAttribute(
      'href',
      '/a/nexus-apimonitor-app/alerts?runbook=nexusproviderdown'
    );
    expect(screen.queryByText(/docs\/runbooks\.md|provisioning\//)).not.toBeInTheDocument();
    // The expression is there on demand.
    expect(screen.queryByLabelText('NexusProviderDown expression')).not.toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Show the expression' }));
    expect(screen.getByLabelText('NexusProviderDown expression')).toHaveTextContent(
      'max by (provider, account) (nexus_provider_up) == 0'
    );
  });

  test('groups rules by area, critical first, and filters by text and severity', async () => {
    renderPage(<AlertsContent rules={[WARNING_RULE, BUDGET_RULE, RULE]} runbooks={RUNBOOKS} />);
    const headings = screen.getAllByRole('heading').map((h) => h.textContent);
    expect(headings).toEqual(['Budgets and spend', 'Providers']);
    const providers = screen.getByRole('region', { name: 'Providers' });
    expect(
      within(providers)
        .getAllByRole('link', { name: /^Nexus/ })
        .map((l) => l.textContent)
    ).toEqual(['NexusProviderDown', 'NexusProviderLatencyHigh']);
    await userEvent.click(screen.getByRole('radio', { name: 'Warning' }));
    expect(screen.getAllByRole('heading').map((h) => h.textContent)).toEqual(['Providers']);
    expect(screen.getByText('1 of 3 rules')).toBeInTheDocument();
    await userEvent.click(screen.getByRole('radio', { name: 'All' }));
    await userEvent.click(screen.getByLabelText('Filter alert rules'));
    await userEvent.paste('budget');
    expect(screen.getAllByRole('heading').map((h) => h.textContent)).toEqual(['Budgets and spend']);
    await userEvent.clear(screen.getByLabelText('Filter alert rules'));
    await userEvent.paste('no such rule');
    expect(screen.getByText('No rule matches the filter.')).toBeInTheDocument();
  });

  test('opens a runbook from the URL, with links to the other runbooks', () => {
    render(
      <MemoryRouter
        initialEntries={['/a/nexus-apimonitor-app/alerts?runbook=nexusproviderdown']}
        future={{ v7_startTransition: true, v7_relativeSplatPath: true }}
      >
        <AlertsContent rules={[RULE]} runbooks={RUNBOOKS} />
      </MemoryRouter>
    );
    const drawer = screen.getByRole('dialog');
    expect(within(drawer).getByText('Runbook: NexusProviderDown')).toBeInTheDocument();
    expect(within(drawer).getByRole('link', { name: 'NexusProviderAuthFailing' })).toHaveAttribute(
      'href',
      '/a/nexus-apimonitor-app/alerts?runbook=nexusproviderauthfailing'
    );
  });

  test('empty state: no rules shipped', () => {
    renderPage(<AlertsContent rules={[]} />);
    expect(screen.getByText('No alert rules were shipped with this build')).toBeInTheDocument();
    expect(screen.queryByRole('link', { name: /Open Alertmanager/ })).not.toBeInTheDocument();
  });

  test('the page shows the rules generated from provisioning/prometheus/rules, each with its runbook', () => {
    renderPage(<Alerts />, appMeta());
    expect(SHIPPED_ALERT_RULES.length).toBeGreaterThan(0);
    // One role query for the whole page: getByRole per rule is slow on a page this size.
    const links = screen.getAllByRole('link').map((l) => l.textContent ?? '');
    for (const rule of SHIPPED_ALERT_RULES) {
      expect(links).toContain(rule.name);
      expect(RUNBOOK_SECTIONS[runbookAnchor(rule.runbookUrl)!]).toBeDefined();
    }
    expect(links.filter((l) => /Runbook/.test(l))).toHaveLength(SHIPPED_ALERT_RULES.length);
    // The alert on one failing source of an account (issue 14) is among the providers' rules.
    expect(
      within(screen.getByRole('region', { name: 'Providers' })).getByRole('link', { name: 'NexusProviderSourceDown' })
    ).toBeInTheDocument();
  });
});
