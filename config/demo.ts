/**
 * The embedded demo configuration and the marker its routes use for "the demo engine".
 *
 * A route whose upstream is `http://demo-engine.invalid/` (the `.invalid` top-level domain is
 * reserved and never resolves, RFC 2606) is served by the demo engine the gateway starts on
 * a free loopback port when `demoEngine.enabled` is true; the gateway swaps the marker for
 * that address. Any path in the marker URL is ignored.
 */
import { fileURLToPath } from 'node:url';

export const DEMO_ENGINE_HOST = 'demo-engine.invalid';
export const DEMO_ENGINE_UPSTREAM = `http://${DEMO_ENGINE_HOST}/`;

/** Absolute path of config/examples/demo.yaml, the configuration used when none is given. */
// the examples sit beside the source and one level above the compiled dist/
export const DEMO_CONFIG_PATH = fileURLToPath(new URL(`${import.meta.url.includes('/dist/') ? '../' : './'}examples/demo.yaml`, import.meta.url));

/** True when a route's upstream means "the demo engine". */
export function isDemoEngineUpstream(upstream: string | undefined): boolean {
  if (upstream === undefined) return false;
  try {
    return new URL(upstream).hostname === DEMO_ENGINE_HOST;
  } catch {
    return false;
  }
}
