import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/**
 * policies/ is pure (DESIGN): no I/O, nothing of ours from another package. zod and yaml only
 * in the document subpath (schema.ts, document.ts), so the engine's core needs neither.
 */
describe('policies/ stays pure', () => {
  const dir = fileURLToPath(new URL('../../policies/', import.meta.url));
  const files = readdirSync(dir).filter((f) => f.endsWith('.ts'));

  const DOCUMENT_FILES = new Set(['schema.ts', 'document.ts']);
  /** the BPMN subpath: saxes is an optional peer dependency, needed only by engines that read BPMN */
  const BPMN_FILES = new Set(['bpmn.ts']);

  it.each(files)('%s imports only its own modules (and zod/yaml in the document subpath)', (file) => {
    const source = readFileSync(join(dir, file), 'utf8');
    const imports = [...source.matchAll(/^\s*(?:import|export)[^'"]*from\s+'([^']+)'/gm)].map((m) => m[1]!);
    for (const spec of imports) {
      const ok = spec.startsWith('./') || (DOCUMENT_FILES.has(file) && (spec === 'zod' || spec === 'yaml')) || (BPMN_FILES.has(file) && spec === 'saxes');
      expect(ok, `${file} imports ${spec}`).toBe(true);
    }
  });

  it('the core and the document subpath never import the BPMN reader (so they need no saxes)', () => {
    for (const file of files.filter((f) => !BPMN_FILES.has(f))) {
      const source = readFileSync(join(dir, file), 'utf8');
      expect(source.includes("from './bpmn.js'"), `${file} imports bpmn.ts`).toBe(false);
    }
  });
});
