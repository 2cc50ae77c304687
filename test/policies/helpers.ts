import { loadPolicyDocuments } from '../../policies/document.js';
import type { Policy } from '../../policies/policy.js';
import type { PolicyDocumentInput } from '../../policies/schema.js';
import type { Subject } from '../../policies/subject.js';

export const policyOf = (value: PolicyDocumentInput, name = 'test.yaml'): Policy => loadPolicyDocuments([{ name, value }]);
export const policyFromYaml = (text: string, name = 'test.yaml'): Policy => loadPolicyDocuments([{ name, text }]);
export const who = (loginId: string, groups: string[] = [], roles: string[] = []): Subject => ({ loginId, groups, roles });
