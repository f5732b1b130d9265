// Node keeps a timer's delay in a signed 32-bit integer: a delay above 2^31-1 ms (24.8 days) is
// replaced by 1 ms, with a warning. A deferral that long (a month-long Retry-After) is armed in steps.

export const MAX_TIMER_MS = 2 ** 31 - 1;

export interface LongTimer {
  clear(): void;
}

/** Like setTimeout, for any delay: fires once after `ms` (negative or NaN: at once), never early. */
export function setLongTimeout(fn: () => void, ms: number, options: { unref?: boolean } = {}): LongTimer {
  let timer: NodeJS.Timeout | undefined;
  const arm = (left: number) => {
    const step = Math.min(left, MAX_TIMER_MS);
    timer = setTimeout(() => (left > step ? arm(left - step) : fn()), step);
    if (options.unref) timer.unref();
  };
  arm(Number.isNaN(ms) ? 0 : Math.max(0, ms));
  return { clear: () => clearTimeout(timer) };
}
