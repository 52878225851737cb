#!/usr/bin/env bash
# Best effort: installs the system packages some tests use (Chromium for the
# inbox browser test; PostgreSQL, Redis and HAProxy for the scale-out tests and
# `make run-scaled`). Tests that need a missing one skip and say why, so this
# never fails the build.
set -u
want=()
command -v chromium >/dev/null 2>&1 || want+=(chromium)
[ -x /usr/lib/postgresql/*/bin/postgres ] 2>/dev/null || ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || want+=(postgresql)
command -v redis-server >/dev/null 2>&1 || want+=(redis-server)
command -v haproxy >/dev/null 2>&1 || want+=(haproxy)
[ ${#want[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "note: not installing ${want[*]} (needs root and apt-get); tests that need them will skip"
  exit 0
fi
echo "installing system packages for tests: ${want[*]}"
export DEBIAN_FRONTEND=noninteractive
{ apt-get update -qq && apt-get install -y -qq "${want[@]}"; } >var/apt.log 2>&1 \
  || echo "note: apt-get could not install ${want[*]} (see var/apt.log); tests that need them will skip"
exit 0
