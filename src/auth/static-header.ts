import { failed, passed, type AuthCheck } from './auth-check.js';
import { matchesAny } from './timing-safe-equal.js';

export interface StaticHeaderVerifier {
  readonly headerName: string;
  verify(value: string | undefined): AuthCheck;
}

/** A shared secret sent as a custom header (Incode's dashboard "custom headers"). */
export function createStaticHeaderVerifier(headerName: string, secrets: readonly string[]): StaticHeaderVerifier {
  const expected = secrets.map((s) => Buffer.from(s, 'utf8'));
  return {
    headerName,
    verify(value) {
      if (value === undefined || value === '') return failed(`missing header ${headerName}`);
      return matchesAny(Buffer.from(value, 'utf8'), expected) ? passed : failed(`wrong value in header ${headerName}`);
    },
  };
}
