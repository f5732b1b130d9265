// The soak's accelerated clock and its seeded random numbers.
//
// Simulated time is a pure function of the wall clock, so the exporter (a child process) and the
// simulators (in the bench process) agree on it without talking: from `wallStartMs` it runs `factor`
// times faster than real time from `simStartMs`, and stops at `wallStartMs + wallSpanMs` (the end of the
// simulated span), where it stays while the polls catch up and the counters are compared.

export interface ClockSpec {
  /** Simulated time at the start, Unix ms. */
  simStartMs: number;
  /** Wall time (Date.now()) at the start. */
  wallStartMs: number;
  /** Wall milliseconds the simulated span takes; the clock stops after them. */
  wallSpanMs: number;
  /** Simulated milliseconds per wall millisecond. */
  factor: number;
}

export function makeClock(spec: ClockSpec, wallNow: () => number = Date.now): () => Date {
  return () => {
    const elapsed = Math.min(Math.max(0, wallNow() - spec.wallStartMs), spec.wallSpanMs);
    return new Date(spec.simStartMs + elapsed * spec.factor);
  };
}

/** The simulated instant at which the clock stops. */
export function clockEnd(spec: ClockSpec): Date {
  return new Date(spec.simStartMs + spec.wallSpanMs * spec.factor);
}

/** mulberry32: a small seeded PRNG, so that a failing run's faults and admin writes can be replayed with --seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Rng {
  next(): number;
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  chance(p: number): boolean;
}

export function rng(seed: number): Rng {
  const next = seededRandom(seed);
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: (items) => items[Math.floor(next() * items.length)]!,
    chance: (p) => next() < p,
  };
}
