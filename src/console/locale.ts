import { parse as parseCookies } from 'cookie';
import type { Request } from 'express';
import { LOCALES, type Locale } from './messages.js';

/** The language the reader chose with the switch on every page (remembered for a year). */
export const LANG_COOKIE = 'ine_lang';

/** The switch's choice, else the browser's Accept-Language (any Spanish is es-MX), else English. */
export function pickLocale(req: Request): Locale {
  const chosen = parseCookies(req.headers.cookie ?? '')[LANG_COOKIE];
  if (chosen !== undefined && chosen in LOCALES) return chosen as Locale;
  const best = req.acceptsLanguages('en', 'es-MX', 'es');
  return best === 'es' || best === 'es-MX' ? 'es-MX' : 'en';
}
