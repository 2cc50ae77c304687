/**
 * The configuration as every command of the gateway loads it: the built-in filters declare
 * their option schemas and the start-condition validator first, so `check-config`, `routes`
 * and `start` validate a file with the same schema, and refuse it with the same problems.
 */
import '@portcullis/filters/builtin/declarations.js';
export { loadConfig } from '@portcullis/config/loader.js';
export type { LoadedConfig } from '@portcullis/config/loader.js';
