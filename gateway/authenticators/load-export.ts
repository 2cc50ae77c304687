import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { GatewayError } from '../errors.js';

/**
 * Load an operator's module named as `./file.mjs#exportName` (the default export, or the
 * `fallbackExport`, without `#`), relative to the configuration folder, and check that the
 * export is a function. Failures name the configuration path and stop the start-up.
 */
export async function loadOperatorFunction<T extends (...args: never[]) => unknown>(
  spec: string,
  configDir: string,
  path: string,
  fallbackExport = 'default',
): Promise<T> {
  const hash = spec.lastIndexOf('#');
  const file = hash === -1 ? spec : spec.slice(0, hash);
  const exportName = hash === -1 ? fallbackExport : spec.slice(hash + 1);
  if (file === '' || exportName === '') throw new GatewayError('GW_AUTHENTICATOR_INVALID', 500, `${path}: '${spec}' must be a file, optionally followed by #export`);
  const absolute = isAbsolute(file) ? file : resolve(configDir, file);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(absolute).href)) as Record<string, unknown>;
  } catch (cause) {
    throw new GatewayError('GW_AUTHENTICATOR_INVALID', 500, `${path}: cannot load ${absolute}: ${(cause as Error).message}`, { cause });
  }
  const fn = mod[exportName] ?? (hash === -1 && fallbackExport !== 'default' ? mod.default : undefined);
  if (typeof fn !== 'function') throw new GatewayError('GW_AUTHENTICATOR_INVALID', 500, `${path}: ${absolute} exports no function '${exportName}'`);
  return fn as T;
}
