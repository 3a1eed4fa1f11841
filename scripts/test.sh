#!/usr/bin/env bash
# Install everything (Debian packages, .venv) and run the whole test suite:
# ruff, unit and service tests on SQLite and a throwaway PostgreSQL, AppTest pages,
# and real-browser tests in Debian's headless Chromium.   Extra args go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
ldconfig -p 2>/dev/null | grep -q libzbar.so.0 || need+=(libzbar0)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx-light)
if [ ${#need[@]} -gt 0 ]; then
  echo "Installing Debian packages: ${need[*]}"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends \
    --no-upgrade "${need[@]}" >/dev/null
fi

scripts/setup.sh test
.venv/bin/ruff check .
.venv/bin/python -m workshop.cli check data/templates/*.yaml

set +e
.venv/bin/python -m pytest "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests: that is a failure here." >&2
  exit 1
fi
exit "$status"
