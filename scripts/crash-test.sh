#!/usr/bin/env bash
# The kill -9 crash test at length: CRASH_TRIALS trials (300 by default) of mixed writes
# from CLI processes and a `latchkey serve`, each writer killed at a random moment, the
# store checked after every kill (integrity_check, every acknowledged creation present,
# every acknowledged revocation kept). `make test` runs the same test with 30 trials.
#
#   scripts/crash-test.sh                  # 300 trials
#   CRASH_TRIALS=1000 scripts/crash-test.sh
#   CRASH_SEED=12345 scripts/crash-test.sh # replay a run (the seed is printed)
set -euo pipefail
cd "$(dirname "$0")/.."
export CRASH_TRIALS=${CRASH_TRIALS:-300}
cargo test --locked -p latchkey-cli --test crash -- --nocapture 2>&1 |
    grep -E "CRASH_SEED|trials|test result|panicked|FAILED"
