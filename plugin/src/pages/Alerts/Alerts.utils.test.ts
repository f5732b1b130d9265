import { areaOf, readableTemplate } from './Alerts.utils';
import { SHIPPED_ALERT_RULES } from '../../generated/alertRules';

describe('readableTemplate', () => {
  test.each([
    ['{{ $labels.provider }} account {{ $labels.account }} is down.', '‹provider› account ‹account› is down.'],
    [
      'spent {{ $value | humanizePercentage }} of its {{ $labels.period }} budget',
      'spent ‹value› of its ‹period› budget',
    ],
    ['answered {{ printf "%.0f" $value }} calls', 'answered ‹value› calls'],
    [
      '(job {{ $labels.job }}{{ with $labels.instance }}, instance {{ . }}{{ end }}) is down',
      '(job ‹job›, instance ‹instance›) is down',
    ],
    ['plain text', 'plain text'],
  ])('%s', (template, text) => {
    expect(readableTemplate(template)).toBe(text);
  });
});

describe('areaOf', () => {
  test('puts every shipped alert in an area of its own kind, none under "Other rules"', () => {
    expect(SHIPPED_ALERT_RULES.length).toBeGreaterThan(0);
    const unplaced = SHIPPED_ALERT_RULES.filter((r) => areaOf(r).id === 'other').map((r) => `${r.name} (${r.group})`);
    expect(unplaced).toEqual([]);
  });

  test('a rule of a group Nexus does not ship lands under "Other rules"', () => {
    expect(areaOf({ group: 'team.custom' }).id).toBe('other');
  });
});
