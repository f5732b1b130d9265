import React, { useMemo, useState } from 'react';
import { css } from '@emotion/css';
import { renderMarkdown, type GrafanaTheme2 } from '@grafana/data';
import { PluginPage, locationService } from '@grafana/runtime';
import {
  Alert,
  Badge,
  type BadgeColor,
  Button,
  Drawer,
  Input,
  LinkButton,
  RadioButtonGroup,
  Stack,
  Text,
  TextLink,
  useStyles2,
} from '@grafana/ui';
import { useLocation } from 'react-router-dom';
import { SHIPPED_ALERT_RULES } from '../../generated/alertRules';
import { RUNBOOKS } from '../../generated/runbooks';
import type { ShippedAlertRule } from '../../types';
import { ROUTES, prefixRoute } from '../../constants';
import { useAppConfig } from '../../utils/appMeta';
import { areaOf, AREAS, readableTemplate, runbookAnchor, SEVERITY_ORDER } from './Alerts.utils';

const SEVERITY_COLORS: Record<string, BadgeColor> = { critical: 'red', warning: 'orange', info: 'blue' };

/** Grafana's alert list filtered to one rule (it shows Prometheus data source rules too). */
export const alertListUrl = (name: string) => `/alerting/list?search=${encodeURIComponent(`rule:${name}`)}`;

type Runbooks = Record<string, { title: string; markdown: string }>;

/** Absolute: Grafana's page has <base href="/">, so a query-only link would leave the app. */
const runbookUrl = (anchor: string) => `${prefixRoute(ROUTES.Alerts)}?runbook=${encodeURIComponent(anchor)}`;

function RuleRow({ rule, runbooks }: { rule: ShippedAlertRule; runbooks: Runbooks }) {
  const s = useStyles2(getStyles);
  const [showExpr, setShowExpr] = useState(false);
  const anchor = runbookAnchor(rule.runbookUrl);
  const runbook = anchor && runbooks[anchor] ? anchor : undefined;
  const externalRunbook = rule.runbookUrl && /^https?:\/\//.test(rule.runbookUrl) ? rule.runbookUrl : undefined;
  return (
    <div className={s.rule} data-testid={`data-testid nexus-rule-${rule.name}`}>
      <div className={s.ruleHead}>
        <Badge color={SEVERITY_COLORS[rule.severity ?? ''] ?? 'darkgrey'} text={rule.severity ?? 'no severity'} />
        <TextLink href={alertListUrl(rule.name)} inline={false} weight="medium">
          {rule.name}
        </TextLink>
        <Text color="secondary" variant="bodySmall">
          {rule.for ? `fires after ${rule.for}` : 'fires at once'}
        </Text>
      </div>
      {rule.summary && <Text element="p">{readableTemplate(rule.summary)}</Text>}
      {rule.description && (
        <Text element="p" color="secondary" variant="bodySmall">
          {readableTemplate(rule.description)}
        </Text>
      )}
      <Stack gap={1} alignItems="center" wrap="wrap">
        {runbook && (
          <LinkButton size="sm" variant="secondary" icon="book" href={runbookUrl(runbook)}>
            Runbook
          </LinkButton>
        )}
        {!runbook && externalRunbook && (
          <LinkButton size="sm" variant="secondary" icon="external-link-alt" href={externalRunbook} target="_blank">
            Runbook
          </LinkButton>
        )}
        <LinkButton size="sm" variant="secondary" icon="bell" href={alertListUrl(rule.name)}>
          State in Grafana Alerting
        </LinkButton>
        <Button
          size="sm"
          variant="secondary"
          fill="text"
          onClick={() => setShowExpr((v) => !v)}
          aria-expanded={showExpr}
        >
          {showExpr ? 'Hide the expression' : 'Show the expression'}
        </Button>
      </Stack>
      {showExpr && (
        <pre className={s.expr} aria-label={`${rule.name} expression`}>
          {rule.expr}
        </pre>
      )}
    </div>
  );
}

function RunbookDrawer({ anchor, runbooks }: { anchor: string; runbooks: Runbooks }) {
  const s = useStyles2(getStyles);
  const book = runbooks[anchor];
  const close = () => locationService.partial({ runbook: null });
  if (!book) {
    return null;
  }
  // The runbooks link to each other as `#<alert>`: those become links to the other runbook here.
  const html = renderMarkdown(book.markdown).replace(
    /href="#([a-z0-9-]+)"/g,
    (_, a: string) => `href="${runbookUrl(a)}"`
  );
  return (
    <Drawer title={`Runbook: ${book.title}`} onClose={close} size="md">
      <div className={s.markdown} dangerouslySetInnerHTML={{ __html: html }} />
    </Drawer>
  );
}

const SEVERITY_FILTERS = [
  { label: 'All', value: '' },
  { label: 'Critical', value: 'critical' },
  { label: 'Warning', value: 'warning' },
];

export function AlertsContent({
  rules,
  alertmanagerUrl,
  runbooks = RUNBOOKS,
}: {
  rules: ShippedAlertRule[];
  alertmanagerUrl?: string;
  runbooks?: Runbooks;
}) {
  const s = useStyles2(getStyles);
  const [query, setQuery] = useState('');
  const [severity, setSeverity] = useState('');
  const { search } = useLocation();
  const openRunbook = new URLSearchParams(search).get('runbook');

  const areas = useMemo(() => {
    const q = query.trim().toLowerCase();
    const matching = rules.filter(
      (r) =>
        (!severity || r.severity === severity) &&
        (!q || [r.name, r.summary, r.description].some((t) => t?.toLowerCase().includes(q)))
    );
    return AREAS.map((area) => ({
      ...area,
      rules: matching
        .filter((r) => areaOf(r).id === area.id)
        .sort(
          (a, b) =>
            SEVERITY_ORDER.indexOf(a.severity ?? '') - SEVERITY_ORDER.indexOf(b.severity ?? '') ||
            a.name.localeCompare(b.name)
        ),
    })).filter((a) => a.rules.length > 0);
  }, [rules, query, severity]);

  return (
    <Stack direction="column" gap={2}>
      <Text color="secondary" element="p">
        The alert rules that come with Nexus. Prometheus evaluates them and sends firing alerts to Alertmanager, which
        routes them to your receivers; Grafana Alerting shows their state when the Prometheus data source has
        &quot;Manage alerts via Alerting UI&quot; on. Each rule has a runbook: what it means and what to do.
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
        <>
          <Stack gap={2} alignItems="center" wrap="wrap">
            <Input
              width={40}
              prefix={<span aria-hidden>⌕</span>}
              aria-label="Filter alert rules"
              placeholder="Filter by name or text"
              value={query}
              onChange={(e) => setQuery(e.currentTarget.value)}
            />
            <RadioButtonGroup options={SEVERITY_FILTERS} value={severity} onChange={setSeverity} />
            <Text color="secondary" variant="bodySmall">
              {areas.reduce((n, a) => n + a.rules.length, 0)} of {rules.length} rules
            </Text>
          </Stack>
          {areas.length === 0 && (
            <Text color="secondary" italic>
              No rule matches the filter.
            </Text>
          )}
          {areas.map((area) => (
            <section key={area.id} className={s.area} aria-labelledby={`nexus-area-${area.id}`}>
              <Text element="h3" variant="h4" id={`nexus-area-${area.id}`}>
                {area.title}
              </Text>
              <Text color="secondary" variant="bodySmall" element="p">
                {area.description}
              </Text>
              <div className={s.rules}>
                {area.rules.map((rule) => (
                  <RuleRow key={`${rule.group}/${rule.name}`} rule={rule} runbooks={runbooks} />
                ))}
              </div>
            </section>
          ))}
        </>
      )}
      {openRunbook && <RunbookDrawer anchor={openRunbook} runbooks={runbooks} />}
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
  area: css({
    display: 'flex',
    flexDirection: 'column',
    gap: theme.spacing(1),
  }),
  rules: css({
    border: `1px solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
  }),
  rule: css({
    display: 'flex',
    flexDirection: 'column',
    gap: theme.spacing(0.5),
    padding: theme.spacing(1.5, 2),
    '& + &': { borderTop: `1px solid ${theme.colors.border.weak}` },
    p: { margin: 0 },
  }),
  ruleHead: css({
    display: 'flex',
    alignItems: 'center',
    gap: theme.spacing(1),
  }),
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
  markdown: css({
    'h1, h2, h3': { fontSize: theme.typography.h5.fontSize },
    pre: { whiteSpace: 'pre-wrap', background: theme.colors.background.canvas, padding: theme.spacing(1) },
    a: { color: theme.colors.text.link },
  }),
});
