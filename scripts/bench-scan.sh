#!/usr/bin/env bash
# `latchkey scan` over a generated tree (100 MB of text by default), beside two baselines
# run over the same tree in the same run: `cat` of every file (reading every byte, no
# search) and `grep -r lk_` (the same substring search, without the checksum, line or
# store work). Each command runs 5 times after one warm-up that fills the page cache; the
# median wall time is printed, with throughput and the ratio to each baseline.
#
#   scripts/bench-scan.sh              # 100 MB
#   SIZE_MB=400 scripts/bench-scan.sh
set -euo pipefail
cd "$(dirname "$0")/.."

SIZE_MB=${SIZE_MB:-100}
RUNS=${RUNS:-5}
cargo build --release --locked -p latchkey-cli >&2
BIN=$PWD/target/release/latchkey

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
TREE=$WORK/tree

# The tree: source-like text in nested folders (files of 4 KiB to 200 KiB), with near
# misses (`lk_` followed by something that is not a key, keys with a wrong checksum) all
# through it, 40 keys with a valid checksum (20 live, 20 test; none of them in the store,
# so each is looked up and found unknown), a .git folder (skipped) and a few binary files
# (skipped).
python3 - "$TREE" "$SIZE_MB" <<'PY'
import os, random, sys, zlib
tree, size_mb = sys.argv[1], int(sys.argv[2])
rnd = random.Random(42)
A = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
def checksum(s):
    n, out = zlib.crc32(s.encode()), []
    for _ in range(6):
        out.append(A[n % 62]); n //= 62
    return "".join(reversed(out))
def key(kind):
    r = "".join(rnd.choice(A) for _ in range(30))
    return f"lk_{kind}_{r}{checksum(r)}"
words = ("let const return self match impl fn struct pub use mod async await value config "
         "request response error result option string vector table index lookup").split()
def line():
    n = rnd.randint(2, 14)
    s = " " * rnd.choice((0, 4, 8)) + " ".join(rnd.choice(words) for _ in range(n))
    r = rnd.random()
    if r < 0.002:
        s += ' = "lk_' + rnd.choice(("live_", "test_", "prod_", "")) + "".join(rnd.choice(A) for _ in range(rnd.randint(5, 40))) + '"'
    elif r < 0.003:
        k = key("live"); s += f' = "{k[:-1]}{"A" if k[-1] != "A" else "B"}"'  # wrong checksum
    return s + ";\n"
target = size_mb * 1024 * 1024
total, files = 0, []
while total < target:
    d = os.path.join(tree, f"pkg{rnd.randrange(40)}", f"mod{rnd.randrange(8)}", f"sub{rnd.randrange(4)}")
    os.makedirs(d, exist_ok=True)
    want = rnd.randint(4 * 1024, 200 * 1024)
    buf, n = [], 0
    while n < want:
        l = line(); buf.append(l); n += len(l)
    p = os.path.join(d, f"file{len(files)}.rs")
    with open(p, "w") as f:
        f.write("".join(buf))
    files.append(p); total += n
for k in [key("live") for _ in range(20)] + [key("test") for _ in range(20)]:
    p = rnd.choice(files)
    with open(p, "a") as f:
        f.write(f'const API_KEY: &str = "{k}";\n')
os.makedirs(os.path.join(tree, ".git", "objects"), exist_ok=True)
with open(os.path.join(tree, ".git", "objects", "pack"), "wb") as f:
    f.write(os.urandom(5 * 1024 * 1024))
for i in range(5):
    with open(os.path.join(tree, f"pkg{i}", f"logo{i}.png"), "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n\0" + os.urandom(1024 * 1024))
print(f"tree: {len(files)} text files, {total / 1048576:.1f} MiB of text", file=sys.stderr)
PY

# A store that knows nothing of the tree's keys, so every finding is looked up.
export LATCHKEY_DB=$WORK/latchkey.db
echo 'correct horse battery staple' | "$BIN" --password-stdin init --username bench >/dev/null

TEXT_BYTES=$(find "$TREE" -path "$TREE/.git" -prune -o -name '*.rs' -type f -print0 | xargs -0 cat | wc -c)

median() {
    # $@: the command; prints the median of $RUNS wall times in seconds.
    "$@" >/dev/null 2>&1 || true
    local times=()
    for _ in $(seq "$RUNS"); do
        local t0 t1
        t0=$(date +%s.%N)
        "$@" >/dev/null 2>&1 || true
        t1=$(date +%s.%N)
        times+=("$(echo "$t1 - $t0" | bc -l)")
    done
    printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}

cat_all() { find "$TREE" -path "$TREE/.git" -prune -o -type f -print0 | xargs -0 cat; }
grep_all() { grep -r --exclude-dir=.git -I -c lk_ "$TREE"; }
scan_all() { "$BIN" scan "$TREE"; }

found=$("$BIN" --json scan "$TREE" 2>/dev/null | python3 -c 'import json,sys; a=json.load(sys.stdin); print(len(a), sum(1 for f in a if f["status"]=="unknown"))')
echo "latchkey scan found (findings, unknown to the store): $found (expected: 40 40)" >&2

T_CAT=$(median cat_all)
T_GREP=$(median grep_all)
T_SCAN=$(median scan_all)

mb() { echo "scale=0; $TEXT_BYTES / 1048576 / $1" | bc -l; }
echo
echo "text scanned: $((TEXT_BYTES / 1048576)) MiB in $(find "$TREE" -name '*.rs' | wc -l) files (+5 MiB .git, +5 MiB binary, skipped); median of $RUNS runs, page cache warm; $(nproc) cores"
echo
echo "| command | median | throughput | vs cat | vs grep -r |"
echo "|---|---|---|---|---|"
for row in "cat (every file, no search)|$T_CAT" "grep -r -I -c lk_ (substring only)|$T_GREP" "latchkey scan (keys, checksums, lines, store lookups)|$T_SCAN"; do
    name=${row%|*}; t=${row#*|}
    printf '| %s | %.3f s | %s MiB/s | %.2f× | %.2f× |\n' "$name" "$t" "$(mb "$t")" \
        "$(echo "$t / $T_CAT" | bc -l)" "$(echo "$t / $T_GREP" | bc -l)"
done
