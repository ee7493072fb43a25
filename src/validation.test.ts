import cases from '../testdata/settings-cases.json';
import { LIMITS } from './types';
import {
  validateApiUrl,
  validateCloudApiUrl,
  validateCmd,
  validateCount,
  validateSecretId,
  validateTimezone,
} from './validation';

type Case = { field: string; value: string | number; ok: boolean; upstream?: string };

function validate(field: string, value: string | number): string | undefined {
  switch (field) {
    case 'apiUrl':
      return validateApiUrl(String(value).trim());
    case 'timezone':
      return validateTimezone(String(value).trim());
    case 'cmd':
      return validateCmd(value);
    case 'secretId':
      return validateSecretId(String(value));
    case 'cloudApiUrl':
      return validateCloudApiUrl(String(value).trim());
    default:
      return validateCount(field as keyof typeof LIMITS, value);
  }
}

// The same table runs in Go (pkg/models/limits_test.go): what the page accepts, the backend accepts.
describe('settings validation agrees with the backend', () => {
  it('has a table to agree on', () => {
    expect((cases as Case[]).length).toBeGreaterThan(20);
  });
  it.each((cases as Case[]).map((c) => [c.field, JSON.stringify(c.value), c.ok, c.value] as const))(
    '%s = %s: accepted %s',
    (field, _shown, ok, value) => {
      const message = validate(field, value);
      expect(message === undefined).toBe(ok);
    }
  );
});
