// Every provider, in one table. Adding a provider: a folder under providers/, a line here.
import type { AnyProviderModule } from './module.js';
import type { ProviderName } from './types.js';
import { openai } from './openai/index.js';

export const PROVIDERS: Partial<Record<ProviderName, AnyProviderModule>> = {
  openai,
};

export function providerModule(name: ProviderName): AnyProviderModule {
  const module = PROVIDERS[name];
  if (!module) throw new Error(`provider ${name} is not implemented`);
  return module;
}
