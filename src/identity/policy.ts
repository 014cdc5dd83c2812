/**
 * Who may call which identity API: Keystone's classic policy. Administration needs the
 * `admin` role; a user may read themselves, their own projects, credentials and tokens.
 */
import { IdentityPolicyForbidden } from './errors.js';
import type { ValidatedToken } from './service.js';

export const ADMIN_ROLE = 'admin';

type Rule = 'admin' | 'admin_or_owner' | 'admin_or_scoped_project' | 'admin_or_token_subject' | 'any';

/** The rule for each action; actions not listed need admin. */
const RULES: Record<string, Rule> = {
  'identity:get_user': 'admin_or_owner',
  'identity:change_password': 'admin_or_owner',
  'identity:list_user_projects': 'admin_or_owner',
  'identity:ec2_create_credential': 'admin_or_owner',
  'identity:ec2_list_credentials': 'admin_or_owner',
  'identity:ec2_get_credential': 'admin_or_owner',
  'identity:ec2_delete_credential': 'admin_or_owner',
  'identity:create_credential': 'admin_or_owner',
  'identity:get_credential': 'admin_or_owner',
  'identity:update_credential': 'admin_or_owner',
  'identity:delete_credential': 'admin_or_owner',
  'identity:list_credentials': 'any',
  'identity:get_project': 'admin_or_scoped_project',
  'identity:validate_token': 'admin_or_token_subject',
  'identity:check_token': 'admin_or_token_subject',
  'identity:revoke_token': 'admin_or_token_subject',
  'identity:get_auth_catalog': 'any',
  'identity:get_auth_projects': 'any',
  'identity:get_auth_domains': 'any',
  'identity:list_regions': 'any',
  'identity:get_region': 'any',
};

export interface PolicyTarget {
  /** The user the request is about (owner checks, token subjects). */
  userId?: string;
  projectId?: string;
}

export function isAdmin(token: ValidatedToken): boolean {
  return token.roles.some((r) => r.name.toLowerCase() === ADMIN_ROLE);
}

export function allowed(token: ValidatedToken, action: string, target: PolicyTarget = {}): boolean {
  const rule = RULES[action] ?? 'admin';
  if (rule === 'any' || isAdmin(token)) return true;
  switch (rule) {
    case 'admin_or_owner':
    case 'admin_or_token_subject':
      return target.userId !== undefined && target.userId === token.user.id;
    case 'admin_or_scoped_project':
      return target.projectId !== undefined && target.projectId === token.project?.id;
    default:
      return false;
  }
}

/** Throws Keystone's 403 when the token may not perform `action` on `target`. */
export function enforce(token: ValidatedToken, action: string, target: PolicyTarget = {}): void {
  if (!allowed(token, action, target)) throw new IdentityPolicyForbidden(action);
}
