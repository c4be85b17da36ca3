/** Real API keys for tests: each caller gets a key with the grants it names, checked by the real authenticator. */
import { allStaffGrants, ApiKeyEntry, createAuthenticator, Grant, newApiKey } from '../../api/auth';

export function testKeys() {
  const entries: ApiKeyEntry[] = [];
  const keys = new Map<string, string>();
  /** `Authorization` header for a principal named `name` holding `grants` (the key is made once). */
  const as = (name: string, ...grants: Grant[]): Record<string, string> => {
    const id = `${name}|${grants.join(',')}`;
    let key = keys.get(id);
    if (key === undefined) {
      const made = newApiKey(name, grants);
      entries.push(made.entry);
      key = made.key;
      keys.set(id, key);
    }
    return { authorization: `Bearer ${key}` };
  };
  return {
    /** Reads the keys made so far on every call. */
    authenticator: { authenticate: (token: string) => createAuthenticator(entries).authenticate(token) },
    as,
    /** A principal with every staff grant (viewer, operator, every approver role). */
    staff: (name = 'staff@hub') => as(name, ...allStaffGrants),
  };
}
