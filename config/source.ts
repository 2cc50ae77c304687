/**
 * Reading a configuration-like file (the gateway config, a users file): read it, parse YAML
 * (or strict JSON for `.json`) with line and column in errors, and map file-system failures
 * to coded errors. Error messages never quote the file's contents.
 */
import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import { extname } from 'node:path';
import { ConfigFileNotFoundError, ConfigFileUnreadableError, ConfigParseError } from './errors.js';

/** Most aliases one document may expand; stops "billion laughs" documents. */
const MAX_ALIAS_COUNT = 100;

/** Read a file as UTF-8 text, turning ENOENT/EACCES/EISDIR into coded config errors. */
export async function readConfigText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new ConfigFileNotFoundError(file, err);
    const reason = code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : (code ?? String(err));
    throw new ConfigFileUnreadableError(file, reason, err);
  }
}

/** 1-based line and column of a character offset. */
function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, Math.max(0, Math.min(offset, text.length)));
  const lines = before.split('\n');
  return { line: lines.length, column: lines[lines.length - 1]!.length + 1 };
}

function parseYaml(text: string, file: string): unknown {
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true, strict: true });
  const first = doc.errors[0];
  if (first) {
    const pos = first.linePos?.[0];
    // keep the first sentence only: the parser appends an excerpt of the file, which may hold secrets
    const detail = first.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    throw new ConfigParseError(file, detail, pos?.line, pos?.col, first);
  }
  try {
    return doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    throw new ConfigParseError(file, (err as Error).message.split('\n')[0]!, undefined, undefined, err);
  }
}

/** Strict JSON; YAML would quietly accept `{"a": }`. Errors get a line and column. */
function parseJson(text: string, file: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch (err) {
    const message = (err as Error).message;
    // V8 quotes the offending text after the first comma ('Unexpected token }, "..." is not valid JSON'): drop it
    const detail = message.replace(/, ".*$/s, '').replace(/( in JSON)? at position \d+.*$/s, '');
    const position = /at position (\d+)/.exec(message);
    if (position) {
      const { line, column } = lineColumn(text, Number(position[1]));
      throw new ConfigParseError(file, detail, line, column, err);
    }
    // no offset in the message: ask the YAML parser where it stumbles, if it does
    try {
      parseYaml(text, file);
    } catch (yamlErr) {
      if (yamlErr instanceof ConfigParseError && yamlErr.line !== undefined) {
        throw new ConfigParseError(file, detail, yamlErr.line, yamlErr.column, err);
      }
    }
    throw new ConfigParseError(file, detail, undefined, undefined, err);
  }
}

/**
 * Parse YAML, or strict JSON for `.json` files. Duplicate keys are errors. An empty document
 * is `undefined`. `file` only labels errors.
 */
export function parseConfigText(text: string, file: string): unknown {
  return extname(file).toLowerCase() === '.json' ? parseJson(text, file) : parseYaml(text, file);
}

/** Read and parse in one step. */
export async function readConfigFile(file: string): Promise<unknown> {
  return parseConfigText(await readConfigText(file), file);
}
