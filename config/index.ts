/**
 * portcullis/config — the configuration schema, its defaults, the loader and secret
 * references. Imports nothing else of Portcullis.
 */
export { portcullisConfigSchema } from './schema/index.js';
export type { PortcullisConfig, PortcullisConfigInput } from './schema/index.js';
export { DEFAULTS } from './defaults.js';
export { loadConfig, validateConfig } from './loader.js';
export type { LoadConfigOptions, LoadedConfig, ConfigWarning } from './loader.js';
export { resolveSecret, resolveSecretSync, isSecretRef, describeSecretRef, SECRET_SCHEMES } from './secrets.js';
export type { SecretOptions, SecretScheme } from './secrets.js';
export {
  ConfigError,
  ConfigInvalidError,
  ConfigFileNotFoundError,
  ConfigFileUnreadableError,
  ConfigParseError,
  SecretReferenceError,
  formatProblem,
  CONFIG_ERROR_CODES,
} from './errors.js';
export type { ConfigErrorCode, ConfigProblem } from './errors.js';
export { formatPath } from './problems.js';
export { ENV_PREFIX } from './env-overrides.js';
export { DEMO_CONFIG_PATH, DEMO_ENGINE_UPSTREAM, DEMO_ENGINE_HOST, isDemoEngineUpstream } from './demo.js';
