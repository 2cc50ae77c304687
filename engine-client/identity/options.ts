/**
 * How an engine turns verified claims into its own identity: which claim is the user id,
 * which roles the application sees, and the claim names of the identity attributes.
 * Defaults in IDENTITY_DEFAULTS; bad options fail with OPTIONS_INVALID naming the path.
 */
import { OptionsError } from '../errors.js';
import { checkKnownKeys, join, nonEmptyString, oneOrMany, optionalBoolean, requireObject, stringList } from '../options-check.js';
import { claimNamesWith, IDENTITY_ATTRIBUTES, type IdentityAttribute } from '../token/claims.js';

export interface IdentityMappingOptions {
  /** the claim holding the user id, e.g. `loginId` */
  userIdClaim?: string;
  /** roles every verified user gets in this application */
  staticRoles?: readonly string[];
  /** take roles from the token's `roles` claim (false: only staticRoles) */
  rolesFromToken?: boolean;
  /** keep only token roles that start with this prefix, e.g. `workflow.` */
  rolePrefix?: string;
  /** keep the prefix on the kept roles (default: strip it) */
  keepRolePrefix?: boolean;
  /** token role (after the prefix step) → application role(s) */
  roleMap?: Readonly<Record<string, string | readonly string[]>>;
  /** what happens to a token role the roleMap does not name: keep it as is, or drop it */
  unmappedRoles?: 'keep' | 'drop';
  /** identity attribute → claim name, where the gateway renamed them */
  claimNames?: Readonly<Partial<Record<IdentityAttribute, string>>>;
}

/** Every default of identity mapping, written out once. */
export const IDENTITY_DEFAULTS = Object.freeze({
  /** the token's subject; the gateway sets it to the login id */
  userIdClaim: 'sub',
  staticRoles: Object.freeze([] as string[]),
  rolesFromToken: true,
  /** no prefix: every token role is considered */
  rolePrefix: undefined as string | undefined,
  keepRolePrefix: false,
  roleMap: Object.freeze({} as Record<string, readonly string[]>),
  /** with no roleMap every role passes; give `drop` to allow only mapped roles */
  unmappedRoles: 'keep' as 'keep' | 'drop',
  claimNames: Object.freeze({} as Partial<Record<IdentityAttribute, string>>),
});

export interface ResolvedIdentityMapping {
  readonly userIdClaim: string;
  readonly staticRoles: readonly string[];
  readonly rolesFromToken: boolean;
  readonly rolePrefix: string | undefined;
  readonly keepRolePrefix: boolean;
  readonly roleMap: Readonly<Record<string, readonly string[]>>;
  readonly unmappedRoles: 'keep' | 'drop';
  readonly claimNames: Readonly<Record<IdentityAttribute, string>>;
}

const KNOWN_KEYS = Object.keys(IDENTITY_DEFAULTS);
const resolved = new WeakSet<object>();

/** Validate identity mapping options, fill in defaults, freeze. `path` prefixes error paths. */
export function resolveIdentityMapping(input: IdentityMappingOptions | ResolvedIdentityMapping = {}, path = 'identity'): ResolvedIdentityMapping {
  if (resolved.has(input)) return input as ResolvedIdentityMapping;
  const options = requireObject(input, path);
  checkKnownKeys(options, KNOWN_KEYS, path);
  const d = IDENTITY_DEFAULTS;

  const userIdClaim = options.userIdClaim === undefined ? d.userIdClaim : nonEmptyString(options.userIdClaim, join(path, 'userIdClaim'));
  const staticRoles = options.staticRoles === undefined ? [...d.staticRoles] : stringList(options.staticRoles, join(path, 'staticRoles'));
  const rolesFromToken = optionalBoolean(options.rolesFromToken, join(path, 'rolesFromToken'), d.rolesFromToken);
  const rolePrefix = options.rolePrefix === undefined ? d.rolePrefix : nonEmptyString(options.rolePrefix, join(path, 'rolePrefix'));
  const keepRolePrefix = optionalBoolean(options.keepRolePrefix, join(path, 'keepRolePrefix'), d.keepRolePrefix);
  if (options.keepRolePrefix !== undefined && rolePrefix === undefined) {
    throw new OptionsError(join(path, 'keepRolePrefix'), 'only applies with rolePrefix');
  }

  const roleMap: Record<string, readonly string[]> = Object.create(null);
  if (options.roleMap !== undefined) {
    const map = requireObject(options.roleMap, join(path, 'roleMap'));
    for (const [tokenRole, appRoles] of Object.entries(map)) {
      const at = join(join(path, 'roleMap'), tokenRole);
      if (tokenRole === '') throw new OptionsError(at, 'a token role name must not be empty');
      roleMap[tokenRole] = Object.freeze(Array.isArray(appRoles) && appRoles.length === 0 ? [] : oneOrMany(appRoles, at));
    }
  }

  const unmappedRoles = options.unmappedRoles === undefined ? d.unmappedRoles : options.unmappedRoles;
  if (unmappedRoles !== 'keep' && unmappedRoles !== 'drop') throw new OptionsError(join(path, 'unmappedRoles'), "must be 'keep' or 'drop'");

  const names: Record<string, string> = {};
  if (options.claimNames !== undefined) {
    const given = requireObject(options.claimNames, join(path, 'claimNames'));
    for (const [attribute, claim] of Object.entries(given)) {
      const at = join(join(path, 'claimNames'), attribute);
      if (!(IDENTITY_ATTRIBUTES as readonly string[]).includes(attribute)) {
        throw new OptionsError(at, `unknown identity attribute (known: ${IDENTITY_ATTRIBUTES.join(', ')})`);
      }
      names[attribute] = nonEmptyString(claim, at);
    }
  }

  const result: ResolvedIdentityMapping = Object.freeze({
    userIdClaim,
    staticRoles: Object.freeze(staticRoles),
    rolesFromToken,
    rolePrefix,
    keepRolePrefix,
    roleMap: Object.freeze(roleMap),
    unmappedRoles,
    claimNames: Object.freeze(claimNamesWith(names)),
  });
  resolved.add(result);
  return result;
}
