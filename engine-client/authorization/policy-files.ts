import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { loadPolicyDocuments, type LoadPolicyOptions } from '@portcullis/policies/document.js';
import type { Policy } from '@portcullis/policies/policy.js';

/**
 * Read policy documents (YAML or JSON) from files and load them as one policy. The document
 * name in errors is the file's base name. Any problem in any file refuses the whole set.
 */
export async function loadPolicyFiles(paths: readonly string[], options: LoadPolicyOptions = {}): Promise<Policy> {
  const sources = await Promise.all(paths.map(async (path) => ({ name: basename(path), text: await readFile(path, 'utf8') })));
  return loadPolicyDocuments(sources, options);
}
