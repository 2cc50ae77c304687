import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';

/**
 * Throw-away local system accounts and a PAM service file of the test's own (the suite runs
 * as root, as CI does). Every name carries a random suffix, and `remove()` deletes them all.
 */
export interface SystemAccounts {
  suffix: string;
  service: string;
  addGroup(name: string): string;
  addUser(name: string, password: string, groups?: string[]): string;
  run(command: string, args: string[]): void;
  remove(): void;
}

export const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

export function createSystemAccounts(): SystemAccounts {
  const suffix = randomBytes(3).toString('hex');
  const users: string[] = [];
  const groups: string[] = [];
  const service = `portcullis-test-${suffix}`;
  // nodelay: pam_unix's failure delay would make each wrong password cost two seconds
  writeFileSync(`/etc/pam.d/${service}`, 'auth    required pam_unix.so nodelay\naccount required pam_unix.so\n');
  const run = (command: string, args: string[]) => {
    execFileSync(command, args, { stdio: ['pipe', 'ignore', 'pipe'] });
  };
  return {
    suffix,
    service,
    run,
    addGroup(name) {
      const group = `${name}-${suffix}`;
      run('groupadd', [group]);
      groups.push(group);
      return group;
    },
    addUser(name, password, memberOf = []) {
      const user = `${name}-${suffix}`;
      run('useradd', ['--no-create-home', '--shell', '/usr/sbin/nologin', ...(memberOf.length ? ['--groups', memberOf.join(',')] : []), user]);
      users.push(user);
      execFileSync('chpasswd', [], { input: `${user}:${password}\n` });
      return user;
    },
    remove() {
      for (const user of users) execFileSync('userdel', ['--force', user], { stdio: 'ignore' });
      for (const group of groups) execFileSync('groupdel', [group], { stdio: 'ignore' });
      rmSync(`/etc/pam.d/${service}`, { force: true });
    },
  };
}
