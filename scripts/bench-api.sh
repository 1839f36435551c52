#!/usr/bin/env bash
# Load benchmark of the JSON API's POST /v1/keys/verify over loopback, with 100 000 keys in
# the store, beside a baseline measured in the same run on the same server stack
# (POST /bench/baseline: same router, guards and runtime, a handler answering a constant).
#
#   bash scripts/bench-api.sh                  # 2 wrk threads, 32 connections, 20 s a run
#   BENCH_SECS=60 BENCH_CONNS=64 bash scripts/bench-api.sh
#   BENCH_PG=1 bash scripts/bench-api.sh      # also: the same keys on PostgreSQL, with one
#                                             # and with three `latchkey serve` processes
#
# The load tool is wrk (Debian's package; installed with apt-get when missing). Each
# verification request presents one of 1 000 real keys spread over the 100 000, in turn.
# Prints a Markdown section for BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."

SECS=${BENCH_SECS:-20}
CONNS=${BENCH_CONNS:-32}
THREADS=${BENCH_THREADS:-2}
KEYS=${BENCH_KEYS:-100000}
CARGO=${CARGO:-cargo}

if ! command -v wrk >/dev/null 2>&1; then
    echo "bench-api: installing wrk" >&2
    SUDO=(); [ "$(id -u)" -eq 0 ] || SUDO=(sudo)
    DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -q --no-install-recommends wrk >&2
fi

$CARGO build --quiet --locked --release -p latchkey-api --example bench_server
SERVER_BIN=target/release/examples/bench_server

WORK=$(mktemp -d)
SERVER=
cleanup() {
    if [ -n "$SERVER" ]; then kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT

"$SERVER_BIN" "$WORK/bench.db" "$WORK/keys.txt" "$KEYS" >"$WORK/url" 2>"$WORK/server.log" &
SERVER=$!
for _ in $(seq 1200); do
    [ -s "$WORK/url" ] && break
    kill -0 "$SERVER" 2>/dev/null || { cat "$WORK/server.log" >&2; exit 1; }
    sleep 0.5
done
URL=$(head -n1 "$WORK/url")
cat "$WORK/server.log" >&2

# Both scripts send the same body shape ({"key": "<one of the sampled keys>"}), in turn.
# Every answer is checked: a 2xx whose body lacks what the endpoint must answer (for
# verification, `"valid":true`) counts as failed, and the script reports it at the end.
cat >"$WORK/post.lua" <<'EOF'
local keys = {}
for line in io.lines(os.getenv("BENCH_KEYS_FILE")) do keys[#keys + 1] = line end
local path = os.getenv("BENCH_PATH")
local expect = os.getenv("BENCH_EXPECT")
local i = math.random(#keys)
local threads = {}
failed = 0
setup = function(thread) table.insert(threads, thread) end
init = function() failed = 0 end
request = function()
    i = i % #keys + 1
    return wrk.format("POST", path, { ["Content-Type"] = "application/json" },
        '{"key":"' .. keys[i] .. '"}')
end
response = function(status, headers, body)
    if status ~= 200 or not string.find(body, expect, 1, true) then failed = failed + 1 end
end
done = function(summary, latency, requests)
    local total = 0
    for _, t in ipairs(threads) do total = total + t:get("failed") end
    io.write(string.format("Wrong answers: %d\n", total))
end
EOF
export BENCH_KEYS_FILE="$WORK/keys.txt"

# A sanity check that the sampled keys verify, before measuring.
KEY=$(head -n1 "$WORK/keys.txt")
curl --silent --fail --noproxy '*' -H 'Content-Type: application/json' \
    -d "{\"key\":\"$KEY\"}" "$URL/v1/keys/verify" | grep -q '"valid":true'

run() { # run NAME PATH EXPECTED-IN-BODY SECONDS [URL] [CONNECTIONS]
    BENCH_PATH=$2 BENCH_EXPECT=$3 wrk --latency -t"$THREADS" -c"${6:-$CONNS}" -d"$4s" -s "$WORK/post.lua" "${5:-$URL}" >"$WORK/$1.txt"
    if grep -q "Non-2xx\|Socket errors" "$WORK/$1.txt" || ! grep -q "^Wrong answers: 0$" "$WORK/$1.txt"; then
        echo "bench-api: $1 had failed requests or wrong answers:" >&2; cat "$WORK/$1.txt" >&2; exit 1
    fi
}
VALID='"valid":true'
OK='"ok":true'

LOAD_BEFORE=$(cut -d' ' -f1 /proc/loadavg)
# Warm up (also fills last-used times, coalesced to one write per key per minute).
run warmup /v1/keys/verify "$VALID" 5
# Interleaved, twice each, so drift affects both sides alike.
run baseline1 /bench/baseline "$OK" "$SECS"
run verify1 /v1/keys/verify "$VALID" "$SECS"
run baseline2 /bench/baseline "$OK" "$SECS"
run verify2 /v1/keys/verify "$VALID" "$SECS"

LOAD_AFTER=$(cut -d' ' -f1 /proc/loadavg)

rps() { awk '/^Requests\/sec/ {print $2}' "$WORK/$1.txt"; }
pct() { awk -v p="$2%" '$1 == p {print $2}' "$WORK/$1.txt"; }
mean() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.0f", (a + b) / 2}'; }

B=$(mean "$(rps baseline1)" "$(rps baseline2)")
V=$(mean "$(rps verify1)" "$(rps verify2)")
RATIO=$(awk -v v="$V" -v b="$B" 'BEGIN {printf "%.2f", v / b}')

CPU=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
CORES=$(nproc)
MEM=$(awk '/^MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)
OS=$(. /etc/os-release && echo "$PRETTY_NAME")

cat <<EOF

## JSON API: POST /v1/keys/verify

\`POST /v1/keys/verify\` over loopback HTTP/1.1 with $KEYS keys in the store (100 accounts ×
1 000 keys, each request presenting one of 1 000 sampled keys in turn), beside a baseline
served in the same run by the same server (\`POST /bench/baseline\`: same router, guards,
body cap and runtime, a handler that answers a constant JSON object). Release build;
\`wrk\` and the server share the machine. Each figure is the mean of two interleaved
${SECS}-second runs after a 5-second warm-up. Every answer is checked (a wrk \`response\`
hook): each verification must say \`"valid":true\`; none failed.

| endpoint | requests/s | p50 | p99 |
| --- | ---: | ---: | ---: |
| baseline (\`/bench/baseline\`) | $B | $(pct baseline1 50) / $(pct baseline2 50) | $(pct baseline1 99) / $(pct baseline2 99) |
| \`/v1/keys/verify\` | $V | $(pct verify1 50) / $(pct verify2 50) | $(pct verify1 99) / $(pct verify2 99) |

Verify runs at **$RATIO×** the baseline's throughput (aim: at least 0.5×). Latencies are
given for each of the two runs.

- Machine: $CPU, $CORES cores, $MEM RAM, $OS. One-minute load average before and
  after the runs: $LOAD_BEFORE / $LOAD_AFTER (the server and wrk alone account for about 2;
  more means something else was running and the figures are noisier).
- Command: \`bash scripts/bench-api.sh\` (wrk $(wrk --version 2>&1 | head -n1 | awk '{print $2}'),
  \`-t$THREADS -c$CONNS -d${SECS}s --latency\`, Lua script rotating the keys in the body).
EOF

[ "${BENCH_PG:-0}" = 1 ] || exit 0

# ---- The same keys on PostgreSQL: a throwaway cluster of the script's own -------------
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)
PGDIR="$WORK/pg"
mkdir -p "$PGDIR"
AS=()
if [ "$(id -u)" -eq 0 ]; then
    # initdb refuses root: the cluster is the postgres user's, who must reach it through
    # the work dir (mktemp makes it 0700).
    chmod 711 "$WORK"
    chown postgres:postgres "$PGDIR"
    AS=(runuser -u postgres --)
fi
PGPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"${AS[@]}" "$PGBIN/initdb" -D "$PGDIR/data" -U bench --auth=trust --no-locale -E UTF8 >/dev/null
"${AS[@]}" "$PGBIN/pg_ctl" -D "$PGDIR/data" -l "$PGDIR/log" -w \
    -o "-p $PGPORT -k $PGDIR -c listen_addresses=127.0.0.1 -c shared_buffers=256MB -c max_connections=100" start >/dev/null
SERVES=()
stop_pg() {
    for p in "${SERVES[@]}"; do kill "$p" 2>/dev/null || true; done
    "${AS[@]}" "$PGBIN/pg_ctl" -D "$PGDIR/data" -m fast -w stop >/dev/null 2>&1 || true
    cleanup
}
trap stop_pg EXIT
"$PGBIN/psql" -X -q -h 127.0.0.1 -p "$PGPORT" -U bench -d postgres -c "CREATE DATABASE latchkey"
PGURL="postgres://bench@127.0.0.1:$PGPORT/latchkey"
$CARGO build --quiet --locked --release -p latchkey-cli
target/release/latchkey store copy --from "$WORK/bench.db" --to "$PGURL" >&2
"$PGBIN/psql" -X -q -h 127.0.0.1 -p "$PGPORT" -U bench -d latchkey -c "VACUUM ANALYZE"
PG_URLS=()
for n in 1 2 3; do
    target/release/latchkey --db "$PGURL" serve --port 0 >"$WORK/pg$n.url" 2>"$WORK/pg$n.log" &
    SERVES+=($!)
done
for n in 1 2 3; do
    for _ in $(seq 200); do [ -s "$WORK/pg$n.url" ] && break; sleep 0.2; done
    PG_URLS+=("$(head -n1 "$WORK/pg$n.url")")
done
curl --silent --fail --noproxy '*' -H 'Content-Type: application/json' \
    -d "{\"key\":\"$KEY\"}" "${PG_URLS[0]}/v1/keys/verify" | grep -q '"valid":true'

three() { # three NAME SECONDS: one wrk per server, the connections shared out
    local per=$(( CONNS / 3 )) pids=()
    for n in 0 1 2; do
        run "$1-$n" /v1/keys/verify "$VALID" "$2" "${PG_URLS[$n]}" "$per" & pids+=($!)
    done
    for p in "${pids[@]}"; do wait "$p"; done
}
run pgwarm /v1/keys/verify "$VALID" 5 "${PG_URLS[0]}"
three pgwarm3 5
PG_LOAD_BEFORE=$(cut -d' ' -f1 /proc/loadavg)
for r in 1 2; do
    run "sq$r" /v1/keys/verify "$VALID" "$SECS"
    run "pg1_$r" /v1/keys/verify "$VALID" "$SECS" "${PG_URLS[0]}"
    three "pg3_$r" "$SECS"
done
PG_LOAD_AFTER=$(cut -d' ' -f1 /proc/loadavg)
sum3() { awk -v a="$(rps "$1-0")" -v b="$(rps "$1-1")" -v c="$(rps "$1-2")" 'BEGIN {printf "%.0f", a + b + c}'; }
worst() { for n in 0 1 2; do pct "$1-$n" "$2"; done | sort -h | tail -n1; }
SQ=$(mean "$(rps sq1)" "$(rps sq2)")
P1=$(mean "$(rps pg1_1)" "$(rps pg1_2)")
P3=$(mean "$(sum3 pg3_1)" "$(sum3 pg3_2)")
PGV=$("$PGBIN/postgres" --version | awk '{print $3}')

cat <<EOF

## JSON API on PostgreSQL: POST /v1/keys/verify with one and three servers

The same $KEYS keys, copied with \`latchkey store copy\` into PostgreSQL $PGV (a throwaway
cluster on loopback, this machine), verified through \`latchkey serve\` (release): one
server, and three servers on the one database (one wrk per server, $CONNS connections
shared out), beside the SQLite-backed server measured in the same run (interleaved, two
${SECS}-second runs each, after warm-ups). Every answer was checked to say \`"valid":true\`.
Everything (PostgreSQL, the servers, wrk) shares the machine's $CORES cores.

| store | servers | requests/s | p50 | p99 |
| --- | ---: | ---: | ---: | ---: |
| SQLite | 1 | $SQ | $(pct sq1 50) / $(pct sq2 50) | $(pct sq1 99) / $(pct sq2 99) |
| PostgreSQL | 1 | $P1 | $(pct pg1_1 50) / $(pct pg1_2 50) | $(pct pg1_1 99) / $(pct pg1_2 99) |
| PostgreSQL | 3 | $P3 (sum) | $(worst pg3_1 50) / $(worst pg3_2 50) (slowest server) | $(worst pg3_1 99) / $(worst pg3_2 99) |

- Load average before and after: $PG_LOAD_BEFORE / $PG_LOAD_AFTER.
- Command: \`BENCH_PG=1 bash scripts/bench-api.sh\`.
EOF
