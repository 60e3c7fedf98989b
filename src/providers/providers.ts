import type { OAuthIssuer } from '../auth/oauth.js';
import type { Config } from '../config.js';
import { createIncodeProvider } from './incode/incode.js';
import type { Provider } from './provider.js';
import { createVeriffProvider } from './veriff/veriff.js';

/** Every provider the service receives from; a new vendor is one folder and one line here. */
export function createProviders(config: Config, oauth: OAuthIssuer | undefined): Provider[] {
  return [createVeriffProvider(config.veriff), createIncodeProvider(config.incode, oauth)];
}
