import { describe, expect, it } from 'vitest';
import { approvalFilter, approvalRuleOf, APPROVAL_DEFAULTS } from '../../../filters/builtin/approval.js';
import { FilterOptionsError } from '../../../filters/builtin/options-error.js';
import { portcullisConfigSchema } from '../../../config/schema/index.js';
import '../../../filters/builtin/index.js';

describe('approval filter options', () => {
  it('writes out every default', () => {
    const rule = approvalRuleOf('approval', { approvers: { roles: ['approver'] } });
    expect(rule).toMatchObject({ required: 1, expiresAfterSeconds: APPROVAL_DEFAULTS.expiresAfterSeconds, maxBodyBytes: 65_536, approvers: { roles: ['approver'], groups: [], users: [] } });
    expect(rule.headers).toContain('content-type');
  });

  it.each([
    [{}, 'options.approvers'],
    [{ approvers: {} }, 'options.approvers'],
    [{ approvers: { roles: ['a'] }, required: 3 }, 'options.required'],
    [{ approvers: { roles: ['a'] }, maxBodyBytes: -1 }, 'options.maxBodyBytes'],
    [{ approvers: { roles: ['a'] }, headers: ['cookie'] }, 'options.headers[0]'],
    [{ approvers: { roles: ['a'] }, headers: ['content-type', 'Authorization'] }, 'options.headers[1]'],
    [{ approvers: { roles: ['a'], team: ['x'] } }, 'options.approvers.team'],
    [{ approvers: { roles: ['a'] }, when: {} }, 'options.when'],
  ])('refuses %j at %s', (options, path) => {
    try {
      approvalRuleOf('approval', options as Record<string, unknown>);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(FilterOptionsError);
      expect((err as FilterOptionsError).path).toBe(path);
    }
  });

  it('never keeps the token header or identity headers the gateway sets', () => {
    expect(() => approvalFilter({ approvers: { users: ['bob'] }, headers: ['x-portcullis-user'] }, { identityHeaders: ['x-portcullis-user'] })).toThrow(/never kept/);
    expect(() => approvalFilter({ approvers: { users: ['bob'] }, headers: ['x-token'] }, { tokenHeader: 'x-token' })).toThrow(/never kept/);
  });

  it('runs last in the access phase: what the policy refuses is refused, not held', () => {
    const f = approvalFilter({ approvers: { users: ['bob'] } });
    expect(f.phase).toBe('access');
    expect(f.priority).toBeGreaterThan(500);
  });

  it('check-config reports a bad option at its path', () => {
    const result = portcullisConfigSchema.safeParse({
      authenticators: [{ type: 'file', name: 'local', usersFile: 'u.yaml' }],
      routes: [{ name: 'a', prefix: '/a/', upstream: 'http://127.0.0.1:1', filters: [{ use: 'approval', options: { approvers: { roles: ['x'] }, headers: ['cookie'] } }] }],
    });
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error!.issues)).toContain('never kept');
  });
});
