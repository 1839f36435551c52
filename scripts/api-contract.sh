#!/usr/bin/env bash
# Contract test of the loopback JSON API: Schemathesis (pinned, from PyPI, in a venv under
# target/) runs against the OpenAPI document that `latchkey serve` serves, on a temporary
# store seeded with the CLI, and fails on any failure of any of its checks.
#
#   bash scripts/api-contract.sh            # as `make test` runs it
#   ST_MAX_EXAMPLES=200 bash scripts/api-contract.sh   # a longer run
set -euo pipefail
cd "$(dirname "$0")/.."

ST_VERSION=4.32.5
VENV="target/schemathesis-$ST_VERSION"
CARGO=${CARGO:-cargo}

if [ ! -x "$VENV/bin/st" ]; then
    echo "api-contract: installing schemathesis $ST_VERSION into $VENV"
    rm -rf "$VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$ST_VERSION"
fi

$CARGO build --quiet --locked -p latchkey-cli
BIN=target/debug/latchkey

WORK=$(mktemp -d)
SERVER=
cleanup() {
    if [ -n "$SERVER" ]; then kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT

export LATCHKEY_DB="$WORK/latchkey.db"
unset LATCHKEY_USER
PW='contract-run passphrase 7'

# The administrator's account key is the key Schemathesis presents: it holds every
# permission, and it cannot be revoked, so the run cannot lock itself out.
ACCOUNT_KEY=$(printf '%s\n' "$PW" | "$BIN" --password-stdin init --username ada --email ada@example.org 2>/dev/null)
# A few ordinary keys, so listing, editing and revoking have something to work on.
for name in alpha beta gamma; do
    printf '%s\n' "$PW" | "$BIN" --password-stdin key create --user ada --name "$name" \
        --perm account:read --perm keys:read --expires 30d >/dev/null 2>&1
done

"$BIN" serve --port 0 >"$WORK/url" 2>"$WORK/serve.log" &
SERVER=$!
for _ in $(seq 600); do
    [ -s "$WORK/url" ] && break
    kill -0 "$SERVER" 2>/dev/null || { cat "$WORK/serve.log" >&2; exit 1; }
    sleep 0.1
done
URL=$(head -n1 "$WORK/url")
[ -n "$URL" ] || { echo "api-contract: latchkey serve printed no address within 60 s" >&2; cat "$WORK/serve.log" >&2; exit 1; }
echo "api-contract: latchkey serve at $URL"

# One worker: hypothesis's lambda descriptions are not thread-safe on Python 3.11
# ("AST constructor recursion depth mismatch" with two).
"$VENV/bin/st" --config-file crates/api/schemathesis.toml run "$URL/openapi.json" \
    --header "X-API-Key: $ACCOUNT_KEY" \
    --checks all \
    --max-examples "${ST_MAX_EXAMPLES:-100}" \
    --seed "${ST_SEED:-20261122}" \
    --workers 1 \
    --report junit --report-dir "target/api-contract" \
    --output-sanitize true

kill -0 "$SERVER" 2>/dev/null || { echo "api-contract: the server died" >&2; cat "$WORK/serve.log" >&2; exit 1; }
echo "api-contract: passed"
