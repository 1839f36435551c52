#!/usr/bin/env python3
"""PSS of two processes by mapping (file name, [heap], [anon], ...), largest difference
first: where one process's memory goes beside another's. Reads /proc/PID/smaps copies,
such as those scripts/bench-desktop.sh writes with BENCH_SMAPS_DIR.

Usage: scripts/smaps-diff.py BASE.smaps OTHER.smaps [ROWS]
"""
import collections
import re
import sys


def pss_by_mapping(path):
    total = collections.Counter()
    name = None
    with open(path) as f:
        for line in f:
            if re.match(r"^[0-9a-f]+-[0-9a-f]+ ", line):
                fields = line.split()
                name = fields[5].rsplit("/", 1)[-1] if len(fields) > 5 else "[anon]"
            elif line.startswith("Pss:"):
                total[name] += int(line.split()[1])
    return total


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    base, other = pss_by_mapping(sys.argv[1]), pss_by_mapping(sys.argv[2])
    rows = int(sys.argv[3]) if len(sys.argv) > 3 else 25
    print(f"{'base KiB':>9} {'other KiB':>9} {'diff':>7}  mapping")
    print(f"{sum(base.values()):9d} {sum(other.values()):9d} {sum(other.values()) - sum(base.values()):7d}  (all)")
    for name in sorted(set(base) | set(other), key=lambda n: -abs(other[n] - base[n]))[:rows]:
        print(f"{base[name]:9d} {other[name]:9d} {other[name] - base[name]:7d}  {name}")


if __name__ == "__main__":
    main()
