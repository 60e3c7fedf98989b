/**
 * The service's settings, in parts: the Config types (config/config-types.ts), the reusable
 * parsers (config/parsers.ts), the environment schema (config/env-schema.ts), the checks across
 * settings (config/cross-field-rules.ts, with config/all-or-none.ts) and the loader that joins them
 * (config/load-config.ts).
 */
export type { Config, FetchConfig, ForwardConfig, IncodeOAuthConfig, LogLevel } from './config/config-types.js';
export { SETTING_NAMES } from './config/env-schema.js';
export { loadConfig } from './config/load-config.js';
