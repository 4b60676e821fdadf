#!/usr/bin/python3
"""make-expected.py — golden encode/decode fixtures from the real C++ SentencePiece.

Makes, for every model in packages/tokenizer/fixtures/models/:
  packages/tokenizer/fixtures/expected/<model>.jsonl.gz   one JSON record per input
  packages/tokenizer/fixtures/expected/<model>.meta.json  trainer/normalizer spec + counts
and packages/tokenizer/fixtures/expected/decode-cases.jsonl.gz (random id
sequences for every model and their C++ decode output).

Inputs per model = hard-lines.txt (split on "\\n" only) + 3 generated
10 000-character lines + the first N lines of .work/heldout.txt
(N = 3000 for unigram-bg, 600 for the others).

Run (after build-corpus.sh and train-models.sh), with Debian's interpreter:
  /usr/bin/python3 tooling/tokenizer-fixtures/make-expected.py
Needs python3-sentencepiece 0.1.97 (+ python3-protobuf) and /usr/bin/spm_normalize.
Deterministic: fixed inputs, fixed seeds, gzip mtime 0.
"""
import gzip
import io
import json
import os
import random
import subprocess
import sys

import sentencepiece as spm
from google.protobuf.json_format import MessageToDict
from sentencepiece import sentencepiece_model_pb2 as model_pb2
from sentencepiece import sentencepiece_pb2 as pb2

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
MODELS_DIR = os.path.join(ROOT, "packages/tokenizer/fixtures/models")
OUT_DIR = os.path.join(ROOT, "packages/tokenizer/fixtures/expected")
WORK = os.path.join(HERE, ".work")

MODELS = {  # name -> number of held-out lines
    "unigram-bg": 3000,
    "bpe-byte-fallback": 600,
    "nfkc-cf": 600,
    "identity": 600,
    "suffix": 600,
    "char": 600,
    "word": 600,
}
NBEST_SIZE = 5
NBEST_MAX_CHARS = 2000  # no nbest for longer inputs (the 10 000-char lines)
SEED = 20240611


def read_lines(path, limit=None):
    with open(path, encoding="utf-8", newline="") as f:
        lines = f.read().split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines if limit is None else lines[:limit]


def long_lines():
    rng = random.Random(SEED)
    cyr = "абвгдежзийклмнопрстуфхцчшщъьюя"
    lat = "abcdefghijklmnopqrstuvwxyz"
    return [
        "".join(rng.choice(cyr) for _ in range(10000)),  # one 10 000-char Cyrillic "word"
        "".join(rng.choice(lat) for _ in range(10000)),  # one 10 000-char Latin "word"
        "я" * 10000,  # 10 000 identical letters
    ]


def write_jsonl_gz(path, records):
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=9) as gz:
        for r in records:
            gz.write((json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8"))
    with open(path, "wb") as f:
        f.write(buf.getvalue())


def spm_normalize(model_path, texts):
    """C++ normalizer output (NormalizerSpec as-is: dummy prefix + '▁' escaping)."""
    data = ("\n".join(texts) + "\n").encode("utf-8")
    out = subprocess.run(
        ["/usr/bin/spm_normalize", "--use_internal_normalization", "--model", model_path],
        input=data, capture_output=True, check=True,
    ).stdout
    return out.decode("utf-8").split("\n")[: len(texts)]


def normalized_from_pieces(sp, spt):
    """Exact normalized string = concatenation of the piece strings (byte pieces -> raw bytes)."""
    b = bytearray()
    for p in spt.pieces:
        if sp.is_byte(p.id):
            b.append(int(p.piece[3:5], 16))  # "<0xAB>"
        else:
            b += p.piece.encode("utf-8")
    return b.decode("utf-8")


def encode_record(sp, text, source, is_unigram):
    spt = pb2.SentencePieceText()
    spt.ParseFromString(sp.encode_as_serialized_proto(text))
    ids = [p.id for p in spt.pieces]
    pieces = [p.piece for p in spt.pieces]
    assert ids == sp.encode(text), text
    assert pieces == sp.encode(text, out_type=str), text
    rec = {
        "source": source,
        "text": text,
        "ids": ids,
        "pieces": pieces,
        "surfaces": [p.surface for p in spt.pieces],
        "offsets": [[p.begin, p.end] for p in spt.pieces],  # UTF-8 byte offsets into text
        "normalized": normalized_from_pieces(sp, spt),
        "decoded": sp.decode(ids),
    }
    if is_unigram and len(text) <= NBEST_MAX_CHARS:
        nb = pb2.NBestSentencePieceText()
        nb.ParseFromString(sp.nbest_encode_as_serialized_proto(text, NBEST_SIZE))
        rec["nbest"] = [{"ids": [p.id for p in s.pieces], "score": s.score} for s in nb.nbests]
    return rec


def spec_dict(msg):
    d = MessageToDict(msg, preserving_proto_field_name=True, including_default_value_fields=True)
    d.pop("precompiled_charsmap", None)
    return d


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    hard = read_lines(os.path.join(HERE, "hard-lines.txt"))
    longs = long_lines()
    decode_cases = []
    for name, n_held in MODELS.items():
        model_path = os.path.join(MODELS_DIR, name + ".model")
        sp = spm.SentencePieceProcessor(model_file=model_path)
        mp = model_pb2.ModelProto()
        mp.ParseFromString(open(model_path, "rb").read())
        is_unigram = mp.trainer_spec.model_type == model_pb2.TrainerSpec.UNIGRAM
        held = read_lines(os.path.join(WORK, "heldout.txt"), n_held)
        inputs = [(t, "hard") for t in hard] + [(t, "long") for t in longs] + [(t, "heldout") for t in held]
        records = [encode_record(sp, t, src, is_unigram) for t, src in inputs]

        # Cross-check "normalized" against the C++ normalizer binary. spm_normalize ignores
        # trainer_spec.treat_whitespace_as_suffix, so the suffix model is not comparable.
        check = None
        if not mp.trainer_spec.treat_whitespace_as_suffix:
            cpp = spm_normalize(model_path, [t for t, _ in inputs])
            bad = [i for i, (r, c) in enumerate(zip(records, cpp)) if r["normalized"] != c]
            check = {"compared": len(records), "mismatches": len(bad),
                     "mismatch_texts": [records[i]["text"][:80] for i in bad[:10]]}
            if bad:
                print(f"{name}: {len(bad)} normalized mismatches vs spm_normalize", file=sys.stderr)

        write_jsonl_gz(os.path.join(OUT_DIR, name + ".jsonl.gz"), records)
        opts_file = os.path.join(WORK, f"train-{name}.opts")
        meta = {
            "model": name,
            "model_file": f"models/{name}.model",
            "sentencepiece_version": spm.__version__,
            "spm_train_args": (read_lines(opts_file) if os.path.exists(opts_file) else None),
            "spm_train_common_args": ["--input=tooling/tokenizer-fixtures/.work/corpus.txt", "--num_threads=2", "--random_seed=12345", "--minloglevel=1"],
            "trainer_spec": spec_dict(mp.trainer_spec),
            "normalizer_spec": spec_dict(mp.normalizer_spec),
            "precompiled_charsmap_bytes": len(mp.normalizer_spec.precompiled_charsmap),
            "vocab_size": sp.vocab_size(),
            "ids": {"unk": sp.unk_id(), "bos": sp.bos_id(), "eos": sp.eos_id(), "pad": sp.pad_id()},
            "counts": {
                "records": len(records),
                "hard": len(hard),
                "long": len(longs),
                "heldout": len(held),
                "with_nbest": sum(1 for r in records if "nbest" in r),
                "with_unknown": sum(1 for r in records if sp.unk_id() in r["ids"]),
            },
            "nbest_size": NBEST_SIZE if is_unigram else None,
            "nbest_max_chars": NBEST_MAX_CHARS if is_unigram else None,
            "normalized_check_vs_spm_normalize": check,
        }
        with open(os.path.join(OUT_DIR, name + ".meta.json"), "w", encoding="utf-8") as f:
            json.dump(meta, f, ensure_ascii=False, indent=2)
            f.write("\n")
        decode_cases += make_decode_cases(name, sp, mp)
        print(f"{name}: {len(records)} records", file=sys.stderr)
    write_jsonl_gz(os.path.join(OUT_DIR, "decode-cases.jsonl.gz"), decode_cases)
    print(f"decode-cases: {len(decode_cases)} records", file=sys.stderr)


def make_decode_cases(name, sp, mp):
    T = model_pb2.ModelProto.SentencePiece
    rng = random.Random(f"{SEED}-{name}")
    n = sp.vocab_size()
    by_type = {}
    for i, p in enumerate(mp.pieces):
        by_type.setdefault(p.type, []).append(i)
    normal = by_type.get(T.NORMAL, [])
    special = by_type.get(T.CONTROL, []) + by_type.get(T.UNKNOWN, []) + by_type.get(T.USER_DEFINED, [])
    byte_ids = by_type.get(T.BYTE, [])
    byte_of = {int(mp.pieces[i].piece[3:5], 16): i for i in byte_ids}

    seqs = [[], [sp.unk_id()], [sp.unk_id(), sp.unk_id()]]
    specials = [i for i in (sp.bos_id(), sp.eos_id(), sp.pad_id()) if i >= 0]
    seqs.append(specials)
    if sp.bos_id() >= 0 and sp.eos_id() >= 0:
        seqs.append([sp.bos_id()] + sp.encode("Здравей, свят!") + [sp.eos_id()])
    for i in by_type.get(T.USER_DEFINED, []):
        seqs.append([i])
        seqs.append(sp.encode("дума") + [i] + sp.encode("друга"))
    sp_id = sp.piece_to_id("▁")
    if sp_id != sp.unk_id():
        seqs += [[sp_id], [sp_id, sp_id], [sp_id] + sp.encode("а")]
    if byte_of:
        for s in ["д", "€", "😀", "д😀а", "\x00"]:
            seqs.append([byte_of[b] for b in s.encode("utf-8")])
        seqs.append([byte_of[0xD0]])                           # truncated UTF-8
        seqs.append([byte_of[0xD0]] + sp.encode("а"))         # truncated then text
        seqs.append([byte_of[0xF0], byte_of[0x9F], byte_of[0x98]])  # truncated 4-byte
        seqs.append([byte_of[0x80], byte_of[0xFF], byte_of[0xC0], byte_of[0xAF]])  # invalid bytes
        seqs.append(sp.encode("а") + [byte_of[0xE2], byte_of[0x82], byte_of[0xAC]] + sp.encode(" б"))
    for _ in range(150):
        k = rng.randint(1, 25)
        seq = []
        for _ in range(k):
            r = rng.random()
            if r < 0.15 and special:
                seq.append(rng.choice(special))
            elif r < 0.35 and byte_ids:
                seq.append(rng.choice(byte_ids))
            else:
                seq.append(rng.choice(normal) if normal else rng.randrange(n))
        seqs.append(seq)
    return [{"model": name, "ids": s, "pieces": [sp.id_to_piece(i) for i in s], "text": sp.decode(s)} for s in seqs]


if __name__ == "__main__":
    main()
