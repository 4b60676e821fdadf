#!/usr/bin/python3
"""make-albert-expected.py — golden outputs of transformers' AlbertTokenizer (slow)
preprocessing + tokenization, on top of the real C++ SentencePiece.

transformers is not installable here, so AlbertTokenizer.preprocess_text,
._tokenize and ._convert_token_to_id (transformers/models/albert/tokenization_albert.py)
are transcribed below verbatim in logic. Not modelled: PreTrainedTokenizer.tokenize()'s
splitting on added/special tokens before _tokenize, and special-token insertion.

Makes packages/tokenizer/fixtures/expected/albert-presets.jsonl.gz with records
  {"model", "config", "text", "preprocessed", "pieces", "ids"}
for three configs x ~300 inputs on unigram-bg.model, plus a small set on
word.model (the only fixture model whose vocab has pieces like "▁1," so that the
digit-comma rule actually fires; unigram-bg has no such piece).

Run: /usr/bin/python3 tooling/tokenizer-fixtures/make-albert-expected.py
"""
import gzip
import io
import json
import os
import unicodedata

import sentencepiece as spm

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
MODELS_DIR = os.path.join(ROOT, "packages/tokenizer/fixtures/models")
OUT = os.path.join(ROOT, "packages/tokenizer/fixtures/expected/albert-presets.jsonl.gz")
SPIECE_UNDERLINE = "▁"

CONFIGS = [
    {"do_lower_case": False, "keep_accents": True, "remove_space": True},   # bg-gpt2
    {"do_lower_case": True, "keep_accents": False, "remove_space": True},   # ALBERT default
    {"do_lower_case": False, "keep_accents": False, "remove_space": False},
]

EXTRA = [  # quotes and digit-commas
    "``Под игото''",
    "Той каза: ``Здравей'' и си тръгна.",
    "''само затварящи'' и ``само отварящи``",
    "````четворни''''",
    "12,5",
    "12,5 лв.",
    "цена 12, 5 и 7,",
    "1, 2, 3, 4, 5,",
    "0,5 л мляко, 1,5 кг брашно, 2, 3 яйца",
    "1,000,000 души",
    "В 2024, 2025 и 2026, година",
    "стр. 10, 11, 12,",
    "a1, b2, в3,",
    "1,",
    "10,",
    "Ёлка, Йордан, Ѝ, й, ѝ, ё",
    "Café, naïve, résumé, Ко́пенхаген",
    "ÀÉÎÕÜ àéîõü Ç ç",
    "  много   интервали  и\tтабове\t",
    "БЪЛГАРИЯ И България",
]


class AlbertLike:
    def __init__(self, sp, do_lower_case, keep_accents, remove_space):
        self.sp_model = sp
        self.do_lower_case = do_lower_case
        self.keep_accents = keep_accents
        self.remove_space = remove_space

    def preprocess_text(self, inputs):
        if self.remove_space:
            outputs = " ".join(inputs.strip().split())
        else:
            outputs = inputs
        outputs = outputs.replace("``", '"').replace("''", '"')

        if not self.keep_accents:
            outputs = unicodedata.normalize("NFKD", outputs)
            outputs = "".join([c for c in outputs if not unicodedata.combining(c)])
        if self.do_lower_case:
            outputs = outputs.lower()

        return outputs

    def _tokenize(self, text):
        text = self.preprocess_text(text)
        pieces = self.sp_model.encode(text, out_type=str)
        new_pieces = []
        for piece in pieces:
            if len(piece) > 1 and piece[-1] == str(",") and piece[-2].isdigit():
                cur_pieces = self.sp_model.EncodeAsPieces(piece[:-1].replace(SPIECE_UNDERLINE, ""))
                if piece[0] != SPIECE_UNDERLINE and cur_pieces[0][0] == SPIECE_UNDERLINE:
                    if len(cur_pieces[0]) == 1:
                        cur_pieces = cur_pieces[1:]
                    else:
                        cur_pieces[0] = cur_pieces[0][1:]
                cur_pieces.append(piece[-1])
                new_pieces.extend(cur_pieces)
            else:
                new_pieces.append(piece)
        return new_pieces

    def _convert_token_to_id(self, token):
        return self.sp_model.PieceToId(token)


def read_lines(path):
    with open(path, encoding="utf-8", newline="") as f:
        lines = f.read().split("\n")
    return lines[:-1] if lines and lines[-1] == "" else lines


def main():
    hard = read_lines(os.path.join(HERE, "hard-lines.txt"))
    held = read_lines(os.path.join(HERE, ".work/heldout.txt"))
    # held-out lines 3001.. (disjoint from the first 3000 used by unigram-bg.jsonl.gz)
    inputs = hard + EXTRA
    inputs += held[3000 : 3000 + (300 - len(inputs))]
    word_inputs = EXTRA + [l for l in held if any(c.isdigit() for c in l)][:40]

    records = []
    for model, texts in (("unigram-bg.model", inputs), ("word.model", word_inputs)):
        sp = spm.SentencePieceProcessor(model_file=os.path.join(MODELS_DIR, model))
        for cfg in CONFIGS if model == "unigram-bg.model" else CONFIGS[:1]:
            tok = AlbertLike(sp, **cfg)
            for text in texts:
                pieces = tok._tokenize(text)
                records.append({
                    "model": model,
                    "config": cfg,
                    "text": text,
                    "preprocessed": tok.preprocess_text(text),
                    "pieces": pieces,
                    "ids": [tok._convert_token_to_id(p) for p in pieces],
                })
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=9) as gz:
        for r in records:
            gz.write((json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8"))
    with open(OUT, "wb") as f:
        f.write(buf.getvalue())
    fired = sum(1 for r in records if r["pieces"] != sp_pieces(r))
    print(f"albert-presets: {len(records)} records; digit-comma rule changed pieces in {fired}")


_cache = {}


def sp_pieces(r):
    sp = _cache.setdefault(r["model"], spm.SentencePieceProcessor(model_file=os.path.join(MODELS_DIR, r["model"])))
    return sp.encode(r["preprocessed"], out_type=str)


if __name__ == "__main__":
    main()
