// The catalog's account fields against the exporter's account schemas (generated/providerDefaults.ts,
// from the exporter's OpenAPI document): the form may only offer fields the exporter takes, with the
// input that fits each field's type.
import { PROVIDER_DEFAULTS, type FieldSchema } from '../generated/providerDefaults';
import { PROVIDERS } from './catalog';

const variants = (s: FieldSchema | undefined): FieldSchema[] => (s?.anyOf ? s.anyOf.flatMap(variants) : s ? [s] : []);

describe('provider catalog', () => {
  test.each(PROVIDERS.map((p) => [p.name, p] as const))('%s: every field is one of the exporter’s', (name, info) => {
    const defaults = PROVIDER_DEFAULTS[name];
    expect(defaults).toBeDefined();
    const keys = [...info.credentials.map((f) => f.key), ...info.settings.map((f) => f.key)];
    expect(keys.filter((k) => !defaults.fields.includes(k))).toEqual([]);
  });

  test.each(PROVIDERS.flatMap((p) => p.settings.map((f) => [p.name, f.key, f] as const)))(
    '%s %s: the input fits the exporter’s type',
    (name, key, field) => {
      const schema = PROVIDER_DEFAULTS[name].schemas[key];
      if (field.kind === 'boolean') {
        expect(schema).toMatchObject({ type: 'boolean' });
        expect(typeof schema.default).toBe('boolean');
      } else {
        // Twilio's subaccounts: the literal "all", or a non-empty list of SIDs with a pattern.
        const all = variants(schema);
        expect(all).toContainEqual(expect.objectContaining({ const: 'all' }));
        const list = all.find((s) => s.type === 'array');
        expect(list).toMatchObject({ minItems: 1, items: { type: 'string', pattern: expect.any(String) } });
        expect(all.filter((s) => s.const !== 'all' && s.type !== 'array')).toEqual([]);
      }
    }
  );

  test('the options the exporter added for per-source isolation are offered', () => {
    const settings = Object.fromEntries(PROVIDERS.map((p) => [p.name, p.settings.map((f) => f.key)]));
    expect(settings.openai).toEqual(['projectNames']);
    expect(settings.twilio).toEqual(['subaccounts', 'subaccountNames']);
  });
});
