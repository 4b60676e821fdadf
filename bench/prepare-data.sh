#!/usr/bin/env bash
# prepare-data.sh — benchmark inputs for the tokenizer benches (not committed).
#
# Makes (bench/.data/ is gitignored):
#   bench/.data/bg-10mb.txt        10 MiB (10 485 760 bytes or just under; whole lines
#                                  only) of Bulgarian text, one string per line: corpus +
#                                  held-out lines, fixed-seed shuffled, repeated (each
#                                  pass reshuffled) until 10 MiB
#   bench/.data/nospace-10k.txt    one line: 10 KiB of Bulgarian text, all whitespace removed
#   bench/.data/nospace-100k.txt   one line: 100 KiB  "
#   bench/.data/nospace-1m.txt     one line: 1 MiB    "
#   (sizes are UTF-8 bytes excluding the final "\n", cut at a character boundary,
#    so a file may be 1 byte short of the target)
#
# Run:  bash bench/prepare-data.sh
# Builds the corpus first if needed (tooling/tokenizer-fixtures/build-corpus.sh,
# which downloads Debian packages with apt-get). Deterministic.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="$ROOT/tooling/tokenizer-fixtures/.work"
DATA="$ROOT/bench/.data"
mkdir -p "$DATA"
if [ ! -s "$WORK/corpus.txt" ] || [ ! -s "$WORK/heldout.txt" ]; then
  bash "$ROOT/tooling/tokenizer-fixtures/build-corpus.sh"
fi

/usr/bin/python3 - "$WORK" "$DATA" <<'PY'
import os, random, sys
work, data = sys.argv[1:]
lines = []
for name in ("corpus.txt", "heldout.txt"):
    with open(os.path.join(work, name), encoding="utf-8") as f:
        lines += [l for l in f.read().split("\n") if l]

def cut(b, n):
    """First <= n bytes of UTF-8 bytes b, at a character boundary."""
    return b[:n].decode("utf-8", "ignore").encode("utf-8")  # drops a split last char

rng = random.Random(20240611)
target = 10 * 1024 * 1024
out, size = [], 0
while size < target:
    order = lines[:]
    rng.shuffle(order)
    for l in order:
        n = len(l.encode("utf-8")) + 1
        if size + n > target:
            size = target
            break
        out.append(l)
        size += n
with open(os.path.join(data, "bg-10mb.txt"), "w", encoding="utf-8") as f:
    f.write("\n".join(out) + "\n")

order = lines[:]
random.Random(7).shuffle(order)
nospace = "".join("".join(l.split()) for l in order).encode("utf-8")
for name, n in (("10k", 10 * 1024), ("100k", 100 * 1024), ("1m", 1024 * 1024)):
    with open(os.path.join(data, f"nospace-{name}.txt"), "wb") as f:
        f.write(cut(nospace, n) + b"\n")
PY
ls -l "$DATA"
