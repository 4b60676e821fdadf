#!/usr/bin/env bash
# make-cli-fixtures.sh — golden outputs of the C++ command-line tools
# /usr/bin/spm_encode and /usr/bin/spm_decode (Debian sentencepiece 0.1.97).
#
# Makes packages/tokenizer/fixtures/cli/:
#   input.txt                         30 input lines (20 held-out + 10 hard lines;
#                                     split it on "\n" only: one line holds a bare \r)
#   encode.<model>.<format>.txt       exact stdout of spm_encode
#   decode.<model>.<format>.txt       exact stdout of spm_decode run on the matching
#                                     encode.<model>.<format>.txt
#   cases.json                        list of cases + notes (see README.md)
#
# Run (after train-models.sh and build-corpus.sh):
#   bash tooling/tokenizer-fixtures/make-cli-fixtures.sh
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
MODELS="$ROOT/packages/tokenizer/fixtures/models"
OUT="$ROOT/packages/tokenizer/fixtures/cli"
mkdir -p "$OUT"

# input.txt: held-out lines 4001-4020 (not used by the jsonl fixtures) + hard lines
# chosen by line number in hard-lines.txt (spaces-only line, NBSP, ZWJ, combining
# marks, full-width, emoji, control chars incl. \r, <|n|>, digits, BOM).
{
  sed -n '4001,4020p' "$HERE/.work/heldout.txt"
  sed -n '2p;3p;4p;5p;8p;9p;11p;14p;22p;31p' "$HERE/hard-lines.txt"
} > "$OUT/input.txt"

cases=()
add_case() { cases+=("$1"); }

enc() { # model format name-suffix [extra args...]  -> encode.<model>.<format><suffix>.txt
  local model=$1 fmt=$2 suffix=$3; shift 3
  local args=("--output_format=$fmt" "$@")
  local file="encode.$model.$fmt$suffix.txt"
  (cd "$MODELS" && /usr/bin/spm_encode --model "$model.model" "${args[@]}" < "$OUT/input.txt") > "$OUT/$file"
  add_case "$(printf '{"command":"encode","args":%s,"model":"%s.model","input":"input.txt","expected":"%s"}' \
    "$(/usr/bin/python3 -c 'import json,sys; print(json.dumps(sys.argv[1:]))' "${args[@]}")" "$model" "$file")"
}
dec() { # model format(piece|id)
  local model=$1 fmt=$2
  local in="encode.$model.$fmt.txt" file="decode.$model.$fmt.txt"
  (cd "$MODELS" && /usr/bin/spm_decode --model "$model.model" "--input_format=$fmt" < "$OUT/$in") > "$OUT/$file"
  add_case "$(printf '{"command":"decode","args":["--input_format=%s"],"model":"%s.model","input":"%s","expected":"%s"}' \
    "$fmt" "$model" "$in" "$file")"
}

enc unigram-bg piece ""
enc unigram-bg id ""
enc unigram-bg nbest_piece "" --nbest_size=3
enc unigram-bg nbest_id "" --nbest_size=3
enc unigram-bg id "-bos-eos" --extra_options=bos:eos
enc bpe-byte-fallback piece ""
enc bpe-byte-fallback id ""
dec unigram-bg piece
dec unigram-bg id
dec bpe-byte-fallback piece
dec bpe-byte-fallback id

# Note: what spm_encode does when the model file is missing.
set +e
err=$(cd "$MODELS" && printf 'x\n' | /usr/bin/spm_encode --model does-not-exist.model --output_format=piece 2>&1 >/dev/null)
rc=$?
set -e

/usr/bin/python3 - "$OUT/cases.json" "$rc" "$err" "${cases[@]}" <<'PY'
import json, sys
path, rc, err, *cases = sys.argv[1:]
doc = {
    "tool": "sentencepiece 0.1.97 (Debian bookworm) /usr/bin/spm_encode, /usr/bin/spm_decode",
    "cwd": "packages/tokenizer/fixtures/models (model paths are relative to it); input/expected are relative to fixtures/cli",
    "invocation": "spm_<command> --model <model> <args...> < <input> > <expected>; expected is the exact stdout",
    "cases": [json.loads(c) for c in cases],
    "notes": {
        "missing_model": {
            "command": "encode",
            "args": ["--model", "does-not-exist.model", "--output_format=piece"],
            "stdin": "x\n",
            "exit_code": int(rc),
            "stdout": "",
            "stderr": err + "\n",
        },
        "input_lines": "input.txt is split on \\n only; line 27 contains a bare \\r (and U+0085), which spm_encode keeps inside the line",
        "nbest_output": "nbest_piece/nbest_id print up to nbest_size lines per input line, with no separator; an input with an empty normalization yields a single empty line",
    },
}
with open(path, "w", encoding="utf-8") as f:
    json.dump(doc, f, ensure_ascii=False, indent=2)
    f.write("\n")
PY
ls -la "$OUT"
