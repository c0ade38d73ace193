#!/bin/sh
# Re-records the Salt 3007.8 fixtures of the system tests (tests/system/fixtures/):
# builds the oracle image, then runs the given system test binaries (default: all
# tests/tests/system_*.rs) with RSALT_RECORD_ORACLE=1, so each test body runs against
# salt-call in rsalt-test/debian-salt:bookworm and writes what Salt returned.
#   tests/system/record.sh                      # every system test
#   tests/system/record.sh system_pkg system_service
# Environment: CARGO_TARGET_DIR as usual. RSALT_BASE_ROLE_PARTS=all records the whole
# base role (see tests/tests/system_base_role.rs).
set -eu
cd "$(dirname "$0")/../.."
cargo xtask images --salt
if [ $# -eq 0 ]; then
  set -- $(cd tests/tests && ls system_*.rs | sed 's/\.rs$//')
fi
args=""
for t in "$@"; do args="$args --test $t"; done
# shellcheck disable=SC2086
RSALT_RECORD_ORACLE=1 cargo test -p rsalt-tests $args -- --test-threads 2
