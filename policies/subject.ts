/** The caller a policy decides about. No HTTP, no session: just who they are. */
export interface Subject {
  loginId: string;
  roles: readonly string[];
  groups: readonly string[];
  /** 'auth.weak' | 'auth.strong' */
  level?: string;
}
