import React from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { PluginPage } from '@grafana/runtime';
import { Alert, Badge, type BadgeColor, Card, LinkButton, Stack, Text, TextLink, useStyles2 } from '@grafana/ui';
import { SHIPPED_ALERT_RULES } from '../../generated/alertRules';
import type { ShippedAlertRule } from '../../types';
import { useAppConfig } from '../../utils/appMeta';
import { readableTemplate } from './Alerts.utils';

const SEVERITY_COLORS: Record<string, BadgeColor> = { critical: 'red', warning: 'orange', info: 'blue' };

/** Grafana's alert list filtered to one rule (it shows Prometheus data source rules too). */
export const alertListUrl = (name: string) => `/alerting/list?search=${encodeURIComponent(`rule:${name}`)}`;

function RuleCard({ rule }: { rule: ShippedAlertRule }) {
  const s = useStyles2(getStyles);
  const runbookIsUrl = rule.runbookUrl && /^https?:\/\//.test(rule.runbookUrl);
  return (
    <Card noMargin>
      <Card.Heading>{rule.name}</Card.Heading>
      <Card.Meta>
        {rule.for ? `Fires after ${rule.for}` : 'Fires immediately'}
        <span>Group {rule.group}</span>
      </Card.Meta>
      <Card.Tags>
        {rule.severity && <Badge color={SEVERITY_COLORS[rule.severity] ?? 'darkgrey'} text={rule.severity} />}
      </Card.Tags>
      <Card.Description>
        <Stack direction="column" gap={1}>
          {rule.summary && <Text weight="medium">{readableTemplate(rule.summary)}</Text>}
          {rule.description && <Text color="secondary">{readableTemplate(rule.description)}</Text>}
          <pre className={s.expr} aria-label={`${rule.name} expression`}>
            {rule.expr}
          </pre>
          {rule.runbookUrl && (
            <Text variant="bodySmall" color="secondary">
              Runbook:{' '}
              {runbookIsUrl ? (
                <TextLink href={rule.runbookUrl} external>
                  {rule.runbookUrl}
                </TextLink>
              ) : (
                <code>{rule.runbookUrl}</code>
              )}
            </Text>
          )}
        </Stack>
      </Card.Description>
      <Card.Actions>
        <LinkButton size="sm" variant="secondary" icon="bell" href={alertListUrl(rule.name)}>
          State in Grafana Alerting
        </LinkButton>
      </Card.Actions>
    </Card>
  );
}

export function AlertsContent({ rules, alertmanagerUrl }: { rules: ShippedAlertRule[]; alertmanagerUrl?: string }) {
  const files = [...new Set(rules.map((r) => r.file))];
  return (
    <Stack direction="column" gap={2}>
      <Text color="secondary" element="p">
        Prometheus evaluates these rules (from {files.length > 0 ? files.join(', ') : 'provisioning/prometheus/rules'})
        and sends firing alerts to Alertmanager, which routes them to your receivers. Grafana Alerting shows their state
        when the Prometheus data source has &quot;Manage alerts via Alerting UI&quot; on.
      </Text>
      <Stack gap={1} wrap="wrap">
        <LinkButton variant="secondary" icon="bell" href="/alerting/list">
          Grafana Alerting: alert rules
        </LinkButton>
        <LinkButton variant="secondary" icon="layer-group" href="/alerting/groups">
          Alertmanager: active alert groups
        </LinkButton>
        <LinkButton variant="secondary" icon="bell-slash" href="/alerting/silences">
          Silences
        </LinkButton>
        {alertmanagerUrl && (
          <LinkButton variant="secondary" icon="external-link-alt" href={alertmanagerUrl} target="_blank">
            Open Alertmanager
          </LinkButton>
        )}
      </Stack>
      {rules.length === 0 ? (
        <Alert severity="info" title="No alert rules were shipped with this build">
          The build reads provisioning/prometheus/rules/*.yml; none were found.
        </Alert>
      ) : (
        rules.map((rule) => <RuleCard key={`${rule.group}/${rule.name}`} rule={rule} />)
      )}
    </Stack>
  );
}

export default function Alerts() {
  const { settings } = useAppConfig();
  return (
    <PluginPage>
      <AlertsContent rules={SHIPPED_ALERT_RULES} alertmanagerUrl={settings.alertmanagerUrl} />
    </PluginPage>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  expr: css({
    margin: 0,
    padding: theme.spacing(1),
    whiteSpace: 'pre-wrap',
    fontFamily: theme.typography.fontFamilyMonospace,
    fontSize: theme.typography.bodySmall.fontSize,
    background: theme.colors.background.canvas,
    border: `1px solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
  }),
});
