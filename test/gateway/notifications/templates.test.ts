import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileTemplate, TemplateError } from '../../../gateway/notifications/template.js';
import { TemplateCatalogue } from '../../../gateway/notifications/template-catalogue.js';

const known = new Set(['user.name', 'approval.url', 'approval.comment']);

describe('mail templates', () => {
  it('a placeholder the event does not have is refused at load, naming it', () => {
    expect(() => compileTemplate({ subject: 'Hi {{ user.nmae }}', text: 'x' }, known, 'test', 'en')).toThrow(/unknown placeholder \{\{ user\.nmae \}\}/);
    expect(() => compileTemplate({ subject: 'Hi', text: 'x {{ approval.url' }, known, 'test', 'en')).toThrow(/not closed/);
    expect(() => compileTemplate({ subject: '', text: 'x' }, known, 'test', 'en')).toThrow(/'subject' is missing/);
  });

  it('values are escaped in HTML, kept as text in the text body, and cannot break the subject into headers', () => {
    const t = compileTemplate({ subject: 'Re: {{ approval.comment }}', text: 'Hello {{ user.name }}\n\n{{ approval.url }}' }, known, 'test', 'en');
    const out = t.render({ 'user.name': '<script>alert(1)</script>', 'approval.url': 'https://gw.example/approvals/x', 'approval.comment': 'ok\r\nBcc: evil@example.test' });
    expect(out.subject).toBe('Re: ok Bcc: evil@example.test');
    expect(out.text).toContain('<script>alert(1)</script>');
    expect(out.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(out.html).not.toContain('<script>');
    expect(out.html).toContain('<a href="https://gw.example/approvals/x">');
  });

  it('a link placeholder that is not an http(s) URL is not made a link', () => {
    const t = compileTemplate({ subject: 's', text: '{{ approval.url }}' }, known, 'test', 'en');
    expect(t.render({ 'approval.url': 'javascript:alert(1)' }).html).not.toContain('<a ');
  });

  it('the operator folder replaces a built-in, adds a language; the user’s language is picked, else the default', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'portcullis-templates-'));
    await writeFile(join(dir, 'approval-expired.fr.yaml'), 'subject: "Expirée : {{ approval.description }}"\ntext: "Bonjour {{ user.name }}"\n');
    await writeFile(join(dir, 'approval-expired.en.yaml'), 'subject: "Gone: {{ approval.description }}"\ntext: "Hi {{ user.firstName }}"\n');
    const catalogue = await TemplateCatalogue.load({ dir, configDir: dir, defaultLanguage: 'en' });
    expect(catalogue.pick('approval-expired', 'fr').render({ 'approval.description': 'X' }).subject).toBe('Expirée : X');
    expect(catalogue.pick('approval-expired', 'en-GB').render({ 'approval.description': 'X' }).subject).toBe('Gone: X');
    expect(catalogue.pick('approval-expired', 'it').language).toBe('en');
    expect(catalogue.pick('approval-rejected', 'de').render({ 'approval.description': 'X' }).subject).toBe('Abgelehnt: X');
  });

  it('the folder is refused for an unknown event, an unknown field, an unknown placeholder', async () => {
    for (const [name, content, message] of [
      ['approval-exploded.en.yaml', 'subject: s\ntext: t\n', /no event 'approval-exploded'/],
      ['approval-expired.en.yaml', 'subject: s\ntext: t\nbcc: x\n', /unknown field 'bcc'/],
      ['approval-expired.de.yaml', 'subject: "{{ approval.approvedBy }}"\ntext: t\n', /approval-expired\.de\.yaml subject: unknown placeholder \{\{ approval\.approvedBy \}\}/],
    ] as const) {
      const dir = await mkdtemp(join(tmpdir(), 'portcullis-templates-'));
      await writeFile(join(dir, name), content);
      await expect(TemplateCatalogue.load({ dir, configDir: dir, defaultLanguage: 'en' }), name).rejects.toThrow(TemplateError);
      await expect(TemplateCatalogue.load({ dir, configDir: dir, defaultLanguage: 'en' }), name).rejects.toThrow(message);
    }
  });

  it('a default language without templates is refused', async () => {
    await expect(TemplateCatalogue.load({ configDir: '.', defaultLanguage: 'fr' })).rejects.toThrow(/has no template in 'fr'/);
  });
});
