import { describe, expect, it } from 'vitest';
import { builtinTemplates, compileTemplate, TEMPLATE_SPECS } from '../../../gateway/pages/templates.js';
import { BUILTIN_TEMPLATES } from '../../../gateway/pages/builtin-templates.js';

describe('templates', () => {
  it('escapes text slots and inserts HTML slots as the gateway built them', () => {
    const t = compileTemplate('portals', '<h1>{{ name }}</h1>{{{portals}}}<p>{{roles}}</p>', 'test');
    expect(t.render({ name: '<b>"x"</b> & \'y\'', portals: '<ul><li>ok</li></ul>', roles: '<i>' })).toBe('<h1>&lt;b&gt;&quot;x&quot;&lt;/b&gt; &amp; &#39;y&#39;</h1><ul><li>ok</li></ul><p>&lt;i&gt;</p>');
    expect(t.render({ portals: '' })).toBe('<h1></h1><p></p>');
  });

  it('every built-in template compiles and keeps its required slots', () => {
    const set = builtinTemplates();
    for (const name of Object.keys(TEMPLATE_SPECS) as (keyof typeof TEMPLATE_SPECS)[]) {
      expect(set[name].source).toBe(`built-in ${name}`);
      for (const slot of TEMPLATE_SPECS[name].required) expect(BUILTIN_TEMPLATES[name]).toMatch(new RegExp(`\\{\\{\\{?${slot}\\}?\\}\\}`));
    }
  });

  it('names the line of a problem', () => {
    expect(() => compileTemplate('message', '{{message}}\n\n<p>{{ whoever }}</p>', 'msg.html')).toThrow(/template msg\.html line 3: unknown slot 'whoever'/);
  });

  it('does not take a value for a slot’s text from its neighbours (no second pass over inserted values)', () => {
    const t = compileTemplate('message', '{{title}}|{{message}}', 'test');
    expect(t.render({ title: '{{message}}', message: 'm' })).toBe('{{message}}|m');
  });
});
