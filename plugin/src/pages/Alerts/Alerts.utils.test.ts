import { readableTemplate } from './Alerts.utils';

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
