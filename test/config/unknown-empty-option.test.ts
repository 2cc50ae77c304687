import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { validateConfig } from '../../config/loader.js';
import { ConfigInvalidError } from '../../config/errors.js';

/** An option with an empty value used to vanish before validation: unknown keys are errors whatever their value. */
const base = 'authenticators: [{ type: file, name: local, usersFile: users.yaml }]\n';
const problemsOf = (yaml: string) => {
  try {
    validateConfig(parse(base + yaml), { configDir: '/tmp', env: {} });
    return [];
  } catch (err) {
    if (!(err instanceof ConfigInvalidError)) throw err;
    return err.problems.map((p) => `${p.path}: ${p.message}`);
  }
};

describe('unknown options with an empty value', () => {
  it.each([
    ['server: { bogusOption: }', 'server.bogusOption: unknown option'],
    ['server:\n  bogusOption:\n', 'server.bogusOption: unknown option'],
    ['tokens: { lifetimeSecond: ~ }', 'tokens.lifetimeSecond: unknown option'],
    ['bogusSection:', 'bogusSection: unknown option'],
    ['session: { redis: { urll: null } }', 'session.redis.urll: unknown option'],
  ])('%s is refused', (yaml, problem) => {
    const problems = problemsOf(yaml);
    expect(problems.some((p) => p.startsWith(problem)), problems.join('\n')).toBe(true);
  });

  it('an empty known option or section still means "not set"', () => {
    expect(problemsOf('server:\ntokens: { issuer: }\n')).toEqual([]);
  });
});
