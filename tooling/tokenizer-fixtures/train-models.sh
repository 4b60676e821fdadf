#!/usr/bin/env bash
# train-models.sh — trains the golden SentencePiece fixture models with the real
# C++ trainer (/usr/bin/spm_train, Debian package `sentencepiece` 0.1.97).
#
# Makes packages/tokenizer/fixtures/models/<name>.model (+ <name>.vocab is
# deleted; the .model is self-contained) and .work/train-<name>.log.
#   unigram-bg          unigram, 50000 pieces, user-defined <|endoftext|>,<|unknown|>,<|n|>
#                       (shaped like the real bg-gpt2 spiece.model), nmt_nfkc
#   bpe-byte-fallback   bpe, 8000, --byte_fallback, character_coverage 0.98
#   nfkc-cf             unigram, 8000, nmt_nfkc_cf (case folding)
#   identity            unigram, 8000, identity normalization, keeps extra spaces
#   suffix              unigram, 8000, whitespace as suffix, split_digits,
#                       unk=3 bos=0 eos=1 pad=2
#   char                char model (all characters seen with coverage 0.9995)
#   word                word model, 8000
#
# Run (after build-corpus.sh):
#   bash tooling/tokenizer-fixtures/train-models.sh            # all models
#   bash tooling/tokenizer-fixtures/train-models.sh char word  # only some
# Deterministic given the same corpus: --random_seed is fixed and the input
# sampling uses it. (Re-training overwrites the models.)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
WORK="$HERE/.work"
OUT="$ROOT/packages/tokenizer/fixtures/models"
CORPUS="$WORK/corpus.txt"
mkdir -p "$OUT"
[ -s "$CORPUS" ] || { echo "missing $CORPUS; run build-corpus.sh first" >&2; exit 1; }

# Paths are passed relative to the repo root: they are stored in the model's trainer_spec.
cd "$ROOT"
COMMON=(--input=tooling/tokenizer-fixtures/.work/corpus.txt --num_threads=2 --random_seed=12345 --minloglevel=1)
SMALL=(--input_sentence_size=100000 --shuffle_input_sentence=true)

opts_for() {
  case "$1" in
    unigram-bg)
      echo --model_type=unigram --vocab_size=50000 --character_coverage=0.9995 \
        "--user_defined_symbols=<|endoftext|>,<|unknown|>,<|n|>" ;;
    bpe-byte-fallback)
      echo --model_type=bpe --vocab_size=8000 --byte_fallback=true --character_coverage=0.98 "${SMALL[@]}" ;;
    nfkc-cf)
      echo --model_type=unigram --vocab_size=8000 --normalization_rule_name=nmt_nfkc_cf "${SMALL[@]}" ;;
    identity)
      echo --model_type=unigram --vocab_size=8000 --normalization_rule_name=identity \
        --remove_extra_whitespaces=false "${SMALL[@]}" ;;
    suffix)
      echo --model_type=unigram --vocab_size=8000 --treat_whitespace_as_suffix=true --split_digits=true \
        --unk_id=3 --bos_id=0 --eos_id=1 --pad_id=2 "${SMALL[@]}" ;;
    char)
      echo --model_type=char --vocab_size=8000 --hard_vocab_limit=false --character_coverage=0.9995 "${SMALL[@]}" ;;
    word)
      echo --model_type=word --vocab_size=8000 "${SMALL[@]}" ;;
    *) echo "unknown model $1" >&2; return 1 ;;
  esac
}

MODELS=("$@")
[ ${#MODELS[@]} -gt 0 ] || MODELS=(unigram-bg bpe-byte-fallback nfkc-cf identity suffix char word)

for name in "${MODELS[@]}"; do
  # shellcheck disable=SC2207
  IFS=$'\n' opts=($(opts_for "$name" | tr ' ' '\n')); unset IFS
  echo "== $name: ${opts[*]}" >&2
  printf '%s\n' "${opts[@]}" > "$WORK/train-$name.opts"
  start=$(date +%s)
  /usr/bin/spm_train "${COMMON[@]}" "${opts[@]}" --model_prefix="packages/tokenizer/fixtures/models/$name" \
    > "$WORK/train-$name.log" 2>&1 || { tail -20 "$WORK/train-$name.log" >&2; exit 1; }
  rm -f "$OUT/$name.vocab"
  echo "   done in $(( $(date +%s) - start ))s: $(du -h "$OUT/$name.model" | cut -f1)" >&2
done
