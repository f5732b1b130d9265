/**
 * Turns a Prometheus annotation template into text for people: `{{ $labels.provider }}` → ‹provider›,
 * any `$value` expression → ‹value›, `{{ with $labels.x }}…{{ . }}…{{ end }}` → …‹x›…; other template
 * actions are dropped.
 */
export function readableTemplate(template: string): string {
  return template
    .replace(/\{\{-?\s*with\s+\$labels\.(\w+)\s*-?\}\}(.*?)\{\{-?\s*end\s*-?\}\}/g, (_, label: string, body: string) =>
      body.replace(/\{\{-?\s*\.\s*-?\}\}/g, `‹${label}›`)
    )
    .replace(/\{\{-?\s*\$labels\.(\w+)\s*-?\}\}/g, '‹$1›')
    .replace(/\{\{-?[^}]*\$value[^}]*-?\}\}/g, '‹value›')
    .replace(/\{\{[^}]*\}\}/g, '')
    .replace(/[ \t]{2,}/g, ' ')
    .trim();
}

export const SEVERITY_ORDER = ['critical', 'warning', 'info', ''];

/** The areas the Alerts page groups rules in, by Prometheus rule group (nexus.<group>). */
export const AREAS = [
  {
    id: 'spend',
    title: 'Budgets and spend',
    groups: ['nexus.budgets', 'nexus.spend', 'nexus.attribution'],
    description:
      'Spend against budgets, the month-end forecast, cost spikes, and usage billed that no instrumented app reported.',
  },
  {
    id: 'credits',
    title: 'Credits and balances',
    groups: ['nexus.credits'],
    description: 'Prepaid money and credits running low or out.',
  },
  {
    id: 'providers',
    title: 'Providers',
    groups: ['nexus.providers'],
    description:
      'Provider accounts that cannot be polled or have a source that cannot be read, reject the credentials, fail, are slow or rate limited.',
  },
  {
    id: 'slo',
    title: 'Provider SLOs',
    groups: ['nexus.slo.alerts'],
    description:
      "The apps' own calls to each provider burning the availability or latency error budget too fast (multiwindow burn rates).",
  },
  {
    id: 'exporter',
    title: 'Exporter',
    groups: ['nexus.exporter'],
    description: 'The Nexus exporter itself: down, stale or unable to save its state.',
  },
  { id: 'other', title: 'Other rules', groups: [] as string[], description: 'Rules of other groups.' },
];

export function areaOf(rule: { group: string }) {
  return AREAS.find((a) => a.groups.includes(rule.group)) ?? AREAS[AREAS.length - 1]!;
}

/** The runbook section a rule's runbook_url points at (`docs/runbooks.md#nexusproviderdown`). */
export function runbookAnchor(url?: string): string | undefined {
  const m = /#([A-Za-z0-9_-]+)$/.exec(url ?? '');
  return m ? m[1]!.toLowerCase() : undefined;
}
