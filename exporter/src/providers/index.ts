// Every provider, in one table. Adding a provider: a folder under providers/, a line here.
import type { AnyProviderModule } from './module.js';
import type { ProviderName } from './types.js';
import { openai } from './openai/index.js';
import { openrouter } from './openrouter/index.js';
import { exa } from './exa/index.js';
import { twilio } from './twilio/index.js';
import { apollo } from './apollo/index.js';

export const PROVIDERS: Partial<Record<ProviderName, AnyProviderModule>> = {
  openai,
  openrouter,
  exa,
  twilio,
  apollo,
};

export function providerModule(name: ProviderName): AnyProviderModule {
  const module = PROVIDERS[name];
  if (!module) throw new Error(`provider ${name} is not implemented`);
  return module;
}
