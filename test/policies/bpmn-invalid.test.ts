import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadBpmnDocuments, readBpmn } from '../../policies/bpmn.js';
import { PolicyDocumentInvalidError } from '../../policies/errors.js';

/**
 * One broken BPMN file per mistake (test/fixtures/bpmn/invalid/), each refused with its code,
 * line and column. Where the source document prints a broken example, its XML as printed is
 * here and the corrected one in test/fixtures/bpmn/.
 */
const DIR = fileURLToPath(new URL('../fixtures/bpmn/invalid/', import.meta.url));
const read = (file: string) => readFileSync(`${DIR}${file}`, 'utf8');

const EXPECTED: Record<string, { code: string; line: number; column: number; message: RegExp }> = {
  'missing-scope.bpmn': { code: 'attribute-missing', line: 5, column: 1, message: /no neviswf:scope/ },
  'missing-permission.bpmn': { code: 'attribute-missing', line: 5, column: 3, message: /no neviswf:permission/ },
  'unknown-scope.bpmn': { code: 'unknown-scope', line: 5, column: 1, message: /unknown scope 'EVERYONE'/ },
  'unknown-operation.bpmn': { code: 'unknown-operation', line: 5, column: 1, message: /Not supported operation 'READ_COMMENTZ'/ },
  'user-without-user.bpmn': { code: 'principals-required', line: 5, column: 1, message: /USER authorization needs at least one <neviswf:user>/ },
  'group-without-group.bpmn': { code: 'principals-required', line: 6, column: 104, message: /<neviswf:group> is empty/ },
  'extension-elements-not-first.bpmn': { code: 'extension-elements-not-first', line: 5, column: 1, message: /must be the first element inside <process>/ },
  'extension-elements-twice.bpmn': { code: 'extension-elements-duplicate', line: 6, column: 1, message: /second <extensionElements>/ },
  'authorization-outside-extension.bpmn': { code: 'authorization-misplaced', line: 5, column: 1, message: /must be inside the <extensionElements>/ },
  'task-operation-on-process.bpmn': { code: 'operation-not-on-element', line: 5, column: 1, message: /Not supported Process operation 'COMPLETE_TASK'/ },
  'start-on-task.bpmn': { code: 'operation-not-on-element', line: 6, column: 1, message: /Not supported Task operation 'START_PROCESS'/ },
  'starter-groups-on-task.bpmn': { code: 'attribute-misplaced', line: 6, column: 1, message: /candidateStarterGroups belongs on the <process>/ },
  'bad-expression.bpmn': { code: 'invalid-expression', line: 5, column: 1, message: /'#\{stringProcVar' is not a name/ },
  'unexpected-element.bpmn': { code: 'unexpected-element', line: 6, column: 33, message: /<neviswf:role> is not allowed/ },
  'dtd.bpmn': { code: 'dtd-refused', line: 2, column: 1, message: /DOCTYPE/ },
  'entity.bpmn': { code: 'entity-refused', line: 3, column: 150, message: /undefined entity/ },
  'not-well-formed.bpmn': { code: 'xml-syntax', line: 16, column: 62, message: /not well-formed XML/ },
  'not-bpmn.bpmn': { code: 'not-bpmn', line: 2, column: 1, message: /not a BPMN 2.0 <definitions>/ },
};

describe('broken BPMN files are refused with file, line, column and what is wrong', () => {
  it('every invalid fixture has an expectation (and every expectation a fixture)', () => {
    expect(readdirSync(DIR).filter((f) => f.endsWith('.bpmn')).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(Object.entries(EXPECTED))('%s', (file, want) => {
    let error: unknown;
    try {
      loadBpmnDocuments([{ name: file, text: read(file) }]);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(PolicyDocumentInvalidError);
    const e = error as PolicyDocumentInvalidError;
    expect(e.code).toBe('POLICY_DOCUMENT_INVALID');
    expect(e.issues).toHaveLength(1);
    expect(e.issues[0]).toMatchObject({ document: file, code: want.code, line: want.line, column: want.column });
    expect(e.issues[0]!.message).toMatch(want.message);
    expect(e.message).toContain(`${file}:${want.line}:${want.column}`);
  });

  it('a broken file refuses the whole set: the good definitions next to it are not loaded without it', () => {
    const good = readFileSync(fileURLToPath(new URL('../fixtures/bpmn/authorization-example-1.bpmn', import.meta.url)), 'utf8');
    expect(() => loadBpmnDocuments([{ name: 'good.bpmn', text: good }, { name: 'bad.bpmn', text: read('missing-scope.bpmn') }])).toThrow(/bad\.bpmn:5:1/);
  });

  it('the same process defined in two files is refused', () => {
    const good = readFileSync(fileURLToPath(new URL('../fixtures/bpmn/authorization-example-1.bpmn', import.meta.url)), 'utf8');
    expect(() => loadBpmnDocuments([{ name: 'a.bpmn', text: good }, { name: 'b.bpmn', text: good }])).toThrow(expect.objectContaining({ issues: [expect.objectContaining({ code: 'duplicate', document: 'b.bpmn', line: 4, column: 1 })] }));
  });

  it('an entity expansion bomb is refused at the DOCTYPE, before any entity is read', () => {
    const lol = `<?xml version="1.0"?>\n<!DOCTYPE d [${Array.from({ length: 9 }, (_, i) => `<!ENTITY l${i + 1} "${`&l${i};`.repeat(10)}">`).join('')}<!ENTITY l0 "lol">]>\n<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL">&l9;</definitions>`;
    const result = readBpmn({ name: 'lol.bpmn', text: lol });
    expect(result).toMatchObject({ ok: false, issues: [{ code: 'dtd-refused' }] });
  });

  it('an external entity (XXE) is never fetched nor read: refused as a DTD', () => {
    const xxe = `<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"><process id="p">&x;</process></definitions>`;
    expect(readBpmn({ name: 'xxe.bpmn', text: xxe })).toMatchObject({ ok: false, issues: [{ code: 'dtd-refused', line: 2 }] });
  });

  it('nesting deeper than MAX_BPMN_DEPTH and a huge file are refused, the file before parsing', () => {
    const nest = (n: number) => `<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"><process id="p">${'<subProcess>'.repeat(n)}${'</subProcess>'.repeat(n)}</process></definitions>`;
    expect(readBpmn({ name: 'ok.bpmn', text: nest(100) }).ok).toBe(true);
    expect(readBpmn({ name: 'deep.bpmn', text: nest(100_000) })).toMatchObject({ ok: false, issues: [{ code: 'invalid', message: expect.stringMatching(/nested deeper than 500/) }] });
    expect(readBpmn({ name: 'huge.bpmn', text: ' '.repeat(5_000_001) })).toMatchObject({ ok: false, issues: [{ code: 'invalid' }] });
  });

  it('tags and candidates in a namespace other than neviswf / activiti are not authorization', () => {
    const other = `<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:x="urn:other"><process id="p" x:candidateStarterGroups="g"><extensionElements><x:authorization x:scope="OTHERS" x:operation="ALL" x:permission="ALLOW"/></extensionElements></process></definitions>`;
    const result = readBpmn({ name: 'other.bpmn', text: other });
    expect(result.ok && result.named.document.resources.p).toEqual({ kind: 'process', rules: [] });
  });
});
