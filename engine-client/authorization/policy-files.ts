import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { loadPolicyDocuments, type LoadPolicyOptions, type PolicySource } from '@portcullis/policies/document.js';
import type { Policy } from '@portcullis/policies/policy.js';

/** `.bpmn`, `.bpmn20.xml`, `.bpmn.xml` (the same test as policies/bpmn.ts, without loading it) */
const BPMN_FILE = /\.(bpmn|bpmn20\.xml|bpmn\.xml)$/i;

/**
 * Read policy documents (YAML, JSON, or BPMN 2.0 process definitions) from files and load them
 * as one policy. The document name in errors is the file's base name. Any problem in any file
 * refuses the whole set. The BPMN reader (and its `saxes` dependency) is loaded only when a
 * BPMN file is among the paths, so engines that do not read BPMN need not install it.
 */
export async function loadPolicyFiles(paths: readonly string[], options: LoadPolicyOptions = {}): Promise<Policy> {
  const texts = await Promise.all(paths.map(async (path) => ({ name: basename(path), text: await readFile(path, 'utf8') })));
  const sources = await toSources(texts);
  return loadPolicyDocuments(sources, options);
}

/** YAML / JSON sources as they are; BPMN files read into documents (positions kept). */
export async function toSources(files: readonly { name: string; text: string }[]): Promise<PolicySource[]> {
  if (!files.some((f) => BPMN_FILE.test(f.name))) return files.map((f) => ({ ...f }));
  let bpmn: typeof import('@portcullis/policies/bpmn.js');
  try {
    bpmn = await import('@portcullis/policies/bpmn.js');
  } catch (err) {
    throw new Error('reading BPMN process definitions needs the package saxes: npm install saxes', { cause: err });
  }
  return bpmn.policySourcesOf(files);
}
