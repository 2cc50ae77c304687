/**
 * `npm run docs:config`: rewrite the reference table of docs/configuration.md from the
 * schema (every option and its default). test/config/reference.test.ts fails when the page
 * and the schema disagree.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { referenceTable } from '../config/reference.js';

const PAGE = new URL('../docs/configuration.md', import.meta.url);
export const START = '<!-- reference:start (npm run docs:config) -->';
export const END = '<!-- reference:end -->';

const page = await readFile(PAGE, 'utf8');
const from = page.indexOf(START);
const to = page.indexOf(END);
if (from === -1 || to === -1) throw new Error(`docs/configuration.md has no ${START} … ${END} markers`);
await writeFile(PAGE, `${page.slice(0, from + START.length)}\n${referenceTable()}\n${page.slice(to)}`);
console.log('docs/configuration.md: reference table rewritten');
