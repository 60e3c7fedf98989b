/** The roles of the people who use the admin listener, each with the powers of the ones before it. */
export const ROLES = ['viewer', 'support', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const isRole = (text: string): text is Role => (ROLES as readonly string[]).includes(text);

/** Whether `role` has the powers of `needed`. */
export const atLeast = (role: Role, needed: Role): boolean => ROLES.indexOf(role) >= ROLES.indexOf(needed);

/**
 * Who is asking: a named access key, the SSO proxy's identity, the break-glass ADMIN_TOKEN, or
 * the ops command on the host. `actor` is what the audit trail records.
 */
export interface Principal {
  actor: string;
  role: Role;
  via: 'key' | 'proxy' | 'admin-token' | 'cli';
}
