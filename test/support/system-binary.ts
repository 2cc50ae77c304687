import { existsSync } from 'node:fs';

/**
 * Fail with the install command when a system binary a suite needs is missing. Packages are
 * installed once before the tests start (scripts/system-packages.sh), never from a test file:
 * parallel files would race on apt-get's lock.
 */
export function requireBinary(path: string, debianPackage: string): void {
  if (existsSync(path)) return;
  throw new Error(`${path} is missing: install Debian's ${debianPackage} (bash scripts/system-packages.sh as root)`);
}
