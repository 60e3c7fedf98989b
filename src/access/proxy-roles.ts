import { isRole, ROLES, type Role } from './roles.js';

/** One entry of AUTH_PROXY_ROLES: an identity pattern (`*` matches any run of characters) and its role. */
export interface ProxyRoleRule {
  pattern: string;
  role: Role;
}

/**
 * Parses `ana@example.mx=admin,*@example.mx=viewer`; returns the rules, or the problems found
 * (every one of them, for the start-up message).
 */
export function parseProxyRoles(text: string): { rules: ProxyRoleRule[]; problems: string[] } {
  const rules: ProxyRoleRule[] = [];
  const problems: string[] = [];
  for (const entry of text.split(',').map((s) => s.trim())) {
    if (entry === '') continue;
    const at = entry.lastIndexOf('=');
    const pattern = at > 0 ? entry.slice(0, at).trim() : '';
    const role = at > 0 ? entry.slice(at + 1).trim() : '';
    if (pattern === '') problems.push(`"${entry}" is not identity=role`);
    else if (!isRole(role)) problems.push(`"${entry}": the role must be one of ${ROLES.join(', ')}`);
    else rules.push({ pattern, role });
  }
  if (rules.length === 0 && problems.length === 0) problems.push(`names no identity=role pair (roles: ${ROLES.join(', ')})`);
  return { rules, problems };
}

const escape = (text: string) => text.replace(/[.+?^${}()|[\]\\]/g, '\\$&');

/** The role of a proxy identity: the first rule whose pattern matches (case-insensitive), else undefined. */
export function proxyRoleMatcher(rules: readonly ProxyRoleRule[]): (identity: string) => Role | undefined {
  const compiled = rules.map((r) => ({ re: new RegExp(`^${r.pattern.split('*').map(escape).join('.*')}$`, 'i'), role: r.role }));
  return (identity) => compiled.find((r) => r.re.test(identity))?.role;
}
