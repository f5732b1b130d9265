// Writes provisioning/prometheus/tests/daily-buckets.yml: promtool tests of NexusCostSpike and of the
// month-end forecast with realistic lumpy cost series (daily lumps landing after midnight UTC, costs arriving hours late), too
// long to write by hand. `npm run generate` rewrites the file, and its check in `npm test` fails when
// the committed file is not what this script writes.
import { fileURLToPath } from 'node:url';

export const LUMPY_TESTS_PATH = fileURLToPath(
  new URL('../provisioning/prometheus/tests/daily-buckets.yml', import.meta.url)
);

const STEP = 30; // minutes between samples and between evaluations
const DAY = 1440;
const END = 12 * DAY;

type Events = Array<[minute: number, usd: number]>;

/** A counter that grows by the events, sampled every STEP minutes, in promtool's expanding notation. */
export function counterValues(events: Events, end = END): string {
  const sorted = [...events].sort((a, b) => a[0] - b[0]);
  const values: number[] = [];
  let total = 0;
  let next = 0;
  for (let t = 0; t <= end; t += STEP) {
    while (next < sorted.length && sorted[next]![0] <= t) total += sorted[next++]![1];
    values.push(Math.round(total * 1e6) / 1e6);
  }
  const runs: string[] = [];
  for (let i = 0; i < values.length;) {
    let j = i;
    while (j + 1 < values.length && values[j + 1] === values[i]) j++;
    runs.push(j > i ? `${values[i]}x${j - i}` : `${values[i]}`);
    i = j + 1;
  }
  return runs.join(' ');
}

// OpenRouter /activity: day d's cost lands at once on day d+1, LAND[d] minutes after midnight UTC. Day 8
// lands at 06:00 and day 9 at 00:30 the next day: for 5.5 hours one 24-hour window holds two days.
const LAND = [30, 330, 30, 180, 390, 30, 60, 30, 360, 30, 60, 90];
const DAILY = [55, 62, 58, 65, 50, 57, 60, 54, 61, 59, 56, 58];

function openrouter(daily: number[]): [Events, Events] {
  const gpt: Events = [];
  const claude: Events = [];
  daily.forEach((usd, d) => {
    const t = (d + 1) * DAY + LAND[d]!;
    gpt.push([t, usd * 0.6]);
    claude.push([t, usd * 0.4]);
  });
  return [gpt, claude];
}

/** OpenAI costs: 10 USD per hour, booked in bursts 3 to 7 hours late, and +4 % for the previous day after midnight. */
function openai(): Events {
  const gaps = [240, 420, 180, 300, 360, 210, 390, 270];
  const events: Events = [];
  for (let t = 0, i = 0; t < END; i++) {
    const until = Math.min(t + gaps[i % gaps.length]!, END);
    events.push([until, ((until - t) / 60) * 10]);
    t = until;
  }
  for (let d = 1; d < 12; d++) events.push([d * DAY + 30, 9.6]);
  return events;
}

const common = 'job="nexus",instance="exporter:9464"';
const info = (provider: string, account: string, source: string, bucket: string, delivery: string) =>
  `      - series: 'nexus_source_info{${common},provider="${provider}",account="${account}",source="${source}",bucket="${bucket}",delivery="${delivery}"}'\n        values: '1x${END / STEP}'\n`;
const cost = (provider: string, account: string, category: string, project: string, events: Events) =>
  `      - series: 'nexus_cost_usd_total{${common},provider="${provider}",account="${account}",category="${category}",project="${project}"}'\n        values: '${counterValues(events)}'\n`;

function inputs(daily: number[]): string {
  const [gpt, claude] = openrouter(daily);
  return [
    info('openrouter', 'main', 'openrouter.activity', 'day', 'closed'),
    info('openrouter', 'main', 'openrouter.key', 'none', 'live'),
    cost('openrouter', 'main', 'openai/gpt-4.1', 'none', gpt),
    cost('openrouter', 'main', 'anthropic/claude-sonnet-4', 'none', claude),
    info('openai', 'prod', 'openai.costs', 'day', 'live'),
    cost('openai', 'prod', 'gpt-4o-2024-08-06, input', 'proj_a', openai()),
  ].join('');
}

/**
 * Exa's key usage comes from its billing system as one month-to-date bucket, which grows by a day's cost
 * at once, LAND minutes after midnight: the spend gauge and the cost counter step together.
 */
function exa(perDay: number): string {
  const steps: Events = [];
  for (let d = 0; d < 11; d++) steps.push([(d + 1) * DAY + LAND[d]!, perDay]);
  const spend = counterValues(steps);
  return [
    info('exa', 'team', 'exa.usage:3f1c2b7e-0d7a-4a53-9d55-2f6a1c8e4b10', 'month', 'live'),
    info('exa', 'team', 'exa.keys', 'none', 'live'),
    `      - series: 'nexus_spend_usd{${common},provider="exa",account="team",period="month",scope="account"}'\n        values: '${spend}'\n`,
    `      - series: 'nexus_budget_usd{${common},provider="exa",account="team",period="month"}'\n        values: '3500x${END / STEP}'\n`,
    cost('exa', 'team', 'Neural Search', '3f1c2b7e-0d7a-4a53-9d55-2f6a1c8e4b10', steps),
  ].join('');
}

const quiet = (t: number, alert = 'NexusCostSpike') =>
  `      - eval_time: ${t}m\n        alertname: ${alert}\n        exp_alerts: []\n`;

export function lumpyTests(): string {
  // No alert after any landing (when the hourly window fired), nor while a window holds two days.
  const times = new Set<number>([10 * DAY + 30, 10 * DAY + 120, 10 * DAY + 330]);
  LAND.forEach((land, d) => {
    for (const after of [30, 60, 180]) {
      const t = (d + 1) * DAY + land + after;
      if (t <= END) times.add(t);
    }
  });
  // Day 10 costs 171 USD, 3 times a usual day (the 7-day average is about 57), landing at 01:00 on day 11.
  const spiky = [...DAILY];
  spiky[10] = 171;
  const landed = 11 * DAY + LAND[10]!;
  // The forecast: every 3 hours from day 2 on.
  const forecastTimes: number[] = [];
  for (let t = 2 * DAY; t <= END; t += 180) forecastTimes.push(t);
  return `# promtool unit tests for NexusCostSpike and NexusMonthEndForecastOverBudget (rules/nexus-spend.yml, and
# the forecast's recording rule) on accounts whose cost arrives in daily or monthly buckets
# (nexus_source_info{bucket=~"day|month"}): realistic lumpy series over 12 days. Generated by
# scripts/lumpy-series.ts (edit it, not this file, and run npm run generate). promtool starts at the Unix epoch, so
# day N starts at N*1440m, at midnight UTC. Evaluated every 30 minutes to keep 12 days fast (an alert
# with 15 minutes of \`for:\` fires at the second evaluation that sees it).
#
# OpenRouter's /activity books each completed UTC day at once, some time after midnight: here between
# 00:30 and 06:30, and day 9's lump (00:30 on day 10) follows day 8's (06:00 on day 9), so that for 5.5
# hours one 24-hour window holds two days. OpenAI's costs (10 USD per hour) arrive in bursts 3 to 7 hours
# late, with a revision of the previous day after midnight. With the hourly window every lump would look
# like a day's cost in one hour; the daily window compares days.
rule_files:
  - ../rules/nexus-recording.yml
  - ../rules/nexus-spend.yml
evaluation_interval: ${STEP}m
group_eval_order: [nexus.recording, nexus.budgets, nexus.spend, nexus.credits]

tests:
  - name: NexusCostSpike does not fire when daily lumps land after midnight UTC or costs arrive hours late
    interval: ${STEP}m
    input_series:
${inputs(DAILY)}    alert_rule_test:
${[...times]
  .sort((a, b) => a - b)
  .map((t) => quiet(t))
  .join('')}
  - name: NexusCostSpike fires for a real 3x day of a daily-bucket source once its lump has landed
    interval: ${STEP}m
    input_series:
${inputs(spiky)}    alert_rule_test:
${quiet(landed - STEP)}${quiet(landed)}      - eval_time: ${landed + STEP}m
        alertname: NexusCostSpike
        exp_alerts:
          - exp_labels: { severity: warning, provider: openrouter, account: main, window: 1d }
            exp_annotations:
              summary: Cost is rising much faster than usual.
              description: 'openrouter account main cost 171 USD over the last 1d, more than 2.5 times its average 1d of the last 7 days and more than any 1d of them.'
              runbook_url: docs/runbooks.md#nexuscostspike

  # 100 USD a day is 3100 USD in January, under the 3500 USD budget. Fitted to the last day, the steps of
  # the month-to-date spend make slopes of up to 1.5 times the pace, and a forecast over budget for hours
  # every day; the 7-day cost rate does not.
  - name: NexusMonthEndForecastOverBudget does not fire for a month-to-date spend that grows in daily steps within budget
    interval: ${STEP}m
    input_series:
${exa(100)}    alert_rule_test:
${forecastTimes.map((t) => quiet(t, 'NexusMonthEndForecastOverBudget')).join('')}
  # 150 USD a day is 4650 USD by the end of January: the forecast is over budget once the 7-day rate has
  # a week of the new pace (it is lower before: this forecast warns late rather than on every step).
  - name: NexusMonthEndForecastOverBudget fires for a month-to-date spend that grows in daily steps over budget
    interval: ${STEP}m
    input_series:
${exa(150)}    alert_rule_test:
      - eval_time: ${9 * DAY + 720}m
        alertname: NexusMonthEndForecastOverBudget
        exp_alerts:
          - exp_labels: { severity: warning, provider: exa, account: team }
            exp_annotations:
              summary: Spend is forecast to exceed the monthly budget.
              description: 'exa account team is forecast to spend 4.575k USD by the end of the month, more than its monthly budget.'
              runbook_url: docs/runbooks.md#nexusmonthendforecastoverbudget
`;
}
