#!/usr/bin/python3
"""make-tokenizer-json.py — unigram-bg.model as a Hugging Face tokenizers JSON.

Makes packages/tokenizer/fixtures/models/unigram-bg.tokenizer.json, shaped the way
transformers' SpmConverter (convert_slow_tokenizer.py) converts a plain
SentencePiece unigram model:
  normalizer    Sequence[Precompiled(model's precompiled_charsmap),
                         Replace(Regex " {2,}" -> " ")]
  pre_tokenizer Metaspace(replacement "▁", prepend_scheme "always", split true)
  model         Unigram(vocab = [[piece, score], ...] in id order, unk_id, byte_fallback false)
  decoder       Metaspace(same)
  added_tokens  control pieces <s>, </s> (special true, as SpmConverter adds type-3
                pieces) + the user-defined symbols (special false); normalized false.

Run:  /usr/bin/python3 tooling/tokenizer-fixtures/make-tokenizer-json.py
      /usr/bin/python3 tooling/tokenizer-fixtures/make-tokenizer-json.py --verify /tmp/tokjs
--verify DIR: DIR must hold node_modules/tokenizers (`npm i tokenizers@0.23.2` there,
outside the repo); encodes hard lines + .work/heldout.txt with it and compares the
ids to C++ SentencePiece. CI never runs this.
"""
import base64
import json
import os
import subprocess
import sys

import sentencepiece as spm
from sentencepiece import sentencepiece_model_pb2 as model_pb2

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
MODEL = os.path.join(ROOT, "packages/tokenizer/fixtures/models/unigram-bg.model")
OUT = os.path.join(ROOT, "packages/tokenizer/fixtures/models/unigram-bg.tokenizer.json")

CONTROL, USER_DEFINED = 3, 4


def build():
    mp = model_pb2.ModelProto()
    mp.ParseFromString(open(MODEL, "rb").read())
    assert mp.trainer_spec.model_type == model_pb2.TrainerSpec.UNIGRAM
    metaspace = {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": True}
    added = [
        {"id": i, "content": p.piece, "single_word": False, "lstrip": False, "rstrip": False,
         "normalized": False, "special": p.type == CONTROL}
        for i, p in enumerate(mp.pieces) if p.type in (CONTROL, USER_DEFINED)
    ]
    tok = {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": added,
        "normalizer": {
            "type": "Sequence",
            "normalizers": [
                {"type": "Precompiled",
                 "precompiled_charsmap": base64.b64encode(mp.normalizer_spec.precompiled_charsmap).decode("ascii")},
                {"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "},
            ],
        },
        "pre_tokenizer": metaspace,
        "post_processor": None,
        "decoder": metaspace,
        "model": {
            "type": "Unigram",
            "unk_id": mp.trainer_spec.unk_id,
            "vocab": [[p.piece, p.score] for p in mp.pieces],
            "byte_fallback": mp.trainer_spec.byte_fallback,
        },
    }
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump(tok, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {OUT} ({os.path.getsize(OUT)} bytes)", file=sys.stderr)


VERIFY_JS = r"""
const { Tokenizer } = require(process.argv[2] + '/node_modules/tokenizers');
const fs = require('fs');
const tok = Tokenizer.fromFile(process.argv[3]);
const cases = JSON.parse(fs.readFileSync(0, 'utf8'));
(async () => {
  const out = [];
  for (const text of cases) {
    const enc = await tok.encode(text, null, { addSpecialTokens: false });
    out.push(enc.getIds());
  }
  process.stdout.write(JSON.stringify(out));
})();
"""


def verify(scratch):
    sp = spm.SentencePieceProcessor(model_file=MODEL)

    def lines(p):
        with open(p, encoding="utf-8", newline="") as f:
            return [l for l in f.read().split("\n") if l != ""]

    groups = {"hard": lines(os.path.join(HERE, "hard-lines.txt")),
              "heldout": lines(os.path.join(HERE, ".work/heldout.txt"))}
    js = os.path.join(scratch, "verify-tokenizer-json.js")
    with open(js, "w") as f:
        f.write(VERIFY_JS)
    for name, texts in groups.items():
        res = subprocess.run(["node", js, scratch, OUT], input=json.dumps(texts).encode(),
                             capture_output=True, check=True)
        hf = json.loads(res.stdout)
        bad = [(t, sp.encode(t), h) for t, h in zip(texts, hf) if sp.encode(t) != h]
        print(f"{name}: {len(texts) - len(bad)}/{len(texts)} identical id sequences")
        for t, a, b in bad[:40]:
            print("  TEXT", json.dumps(t, ensure_ascii=False)[:120])
            print("    spm", [sp.id_to_piece(i) for i in a][:20])
            print("    hf ", [sp.id_to_piece(i) for i in b][:20])


if __name__ == "__main__":
    build()
    if len(sys.argv) == 3 and sys.argv[1] == "--verify":
        verify(sys.argv[2])
