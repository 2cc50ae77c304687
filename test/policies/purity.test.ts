import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** policies/ is pure (DESIGN): no I/O, no HTTP, nothing from gateway/, filters/ or engine-client/. */
describe('policies/ stays pure', () => {
  const dir = fileURLToPath(new URL('../../policies/', import.meta.url));
  const files = readdirSync(dir).filter((f) => f.endsWith('.ts'));

  it.each(files)('%s imports only config/, its own modules, zod and yaml', (file) => {
    const source = readFileSync(join(dir, file), 'utf8');
    const imports = [...source.matchAll(/^\s*(?:import|export)[^'"]*from\s+'([^']+)'/gm)].map((m) => m[1]!);
    for (const spec of imports) {
      const ok = spec.startsWith('./') || spec.startsWith('../config/') || spec === 'zod' || spec === 'yaml';
      expect(ok, `${file} imports ${spec}`).toBe(true);
    }
  });
});
