// What the Providers page says about an account's state, from the admin API's account status: the
// last poll's result (success, partial, failure, as nexus_provider_polls_total counts them) and each
// source's state (nexus_provider_source_up).
import type { AccountState, SourceState } from '../../api/exporter.types';

export type Health = 'disabled' | 'paused' | 'up' | 'partial' | 'waiting' | 'down';

export function health(state: AccountState): Health {
  if (!state.enabled) {
    return 'disabled';
  }
  if (state.circuitOpen) {
    return 'paused';
  }
  if (state.up) {
    return 'up';
  }
  if (state.lastPollResult === 'partial') {
    return 'partial';
  }
  if (!state.lastPollResult && !state.lastError && !state.lastSuccess) {
    return 'waiting';
  }
  return 'down';
}

/**
 * A source as people read it: a source of one project, key or subaccount (`exa.usage:<key id>`) by
 * its name (`exa.usage: Staging`); the id only when the provider reports no name.
 */
export function sourceLabel(s: SourceState): string {
  if (!s.project || !s.source.endsWith(`:${s.project}`)) {
    return s.source;
  }
  return `${s.source.slice(0, -s.project.length - 1)}: ${s.name ?? s.project}`;
}

export const failingSources = (state: AccountState) => state.sources.filter((s) => !s.up);
