#!/usr/bin/env bash
# The Debian packages the test suites need, installed once before any test file starts
# (parallel test files must never run apt-get themselves). `.ci/run` and `npm test`
# (its pretest step) call this. As root it installs what is missing; otherwise it lists it.
set -euo pipefail

# a file that proves the package is there, then the package that brings it
REQUIRED=(
  "/usr/sbin/slapd slapd"
  "/usr/bin/ldapadd ldap-utils"
  "/usr/bin/redis-server redis-server"
  "/usr/bin/redis-sentinel redis-sentinel"
  "/usr/bin/redis-cli redis-tools"
  "/usr/bin/chromium chromium"
  "/usr/bin/openssl openssl"
  "/usr/sbin/nginx nginx"
  "/usr/bin/caddy caddy"
  # the pam authenticator's native binding builds against libpam's headers during npm ci
  "/usr/include/security/pam_appl.h libpam0g-dev"
  # a real Active Directory for the LDAP tests: Samba's DC, its provisioning data, ldb tools
  "/usr/sbin/samba samba-ad-dc"
  "/usr/share/samba/setup/ad-schema samba-ad-provision"
  "/usr/bin/ldbadd ldb-tools"
  # the durable store's PostgreSQL backend: the tests start their own server with initdb
  "/usr/lib/postgresql/15/bin/postgres postgresql"
)

missing=()
for entry in "${REQUIRED[@]}"; do
  read -r binary package <<<"$entry"
  [ -e "$binary" ] || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ]; then
  echo "system packages missing for the tests: ${missing[*]} (install them: sudo apt-get install ${missing[*]})" >&2
  exit 0
fi
echo "installing system packages for the tests: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
flock /tmp/apt.lock sh -c "apt-get update -qq && apt-get install -y -qq --no-install-recommends ${missing[*]} >/dev/null"
# packages that start a daemon on a standard port: the tests run their own on free ports
for service in slapd nginx caddy redis-server redis-sentinel samba-ad-dc smbd nmbd winbind; do
  (service "$service" stop || true) >/dev/null 2>&1
done
