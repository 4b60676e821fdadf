#!/usr/bin/python3
"""prepare.py — training text, tokenizer and token ids for the bundled demo model.

Run (after `bash tooling/tokenizer-fixtures/build-corpus.sh`):
    /usr/bin/python3 tooling/train-demo-model/prepare.py

Input: the Bulgarian corpus of tooling/tokenizer-fixtures/.work/ (built from Debian packages'
Bulgarian text, see build-corpus.sh): corpus.txt (training lines) and heldout.txt (5000 lines
held out with a fixed seed, never used to train the tokenizer fixtures). Each line is one
string from one source (sources/<source>.txt tells which).

Documents: the lines of each source, in corpus order, grouped into documents of 1..8 lines
(fixed-seed random sizes); the lines of a document are joined with "\n", which the text
convention writes as <|n|>; documents are shuffled (fixed seed). The validation documents are
made the same way from heldout.txt only, so no validation line is ever trained on — neither by
the tokenizer nor by the model.

Makes (tooling/train-demo-model/.work/, gitignored):
    train-docs.txt / valid-docs.txt   one document per line, line breaks written as <|n|>
    spiece.model, spiece.vocab        spm_train unigram (settings below), copied to the package
    train-ids.npy / valid-ids.npy     uint16 token stream: <|endoftext|> doc <|endoftext|> doc ...
                                      (SentencePiece's <unk> written as <|unknown|>)
    prepare.json                      the settings, sources, counts
Also writes packages/demo-model/model/spiece.model and tokenizer_config.json.
"""

import glob
import hashlib
import os
import random
import shutil
import subprocess
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from demo_common import (  # noqa: E402
    ALBERT,
    CHECKPOINT,
    CORPUS_WORK,
    END_OF_TEXT,
    NEWLINE,
    REPO,
    UNKNOWN,
    USER_SYMBOLS,
    WORK,
    encode,
    preprocess,
    write_json,
)

SEED = 20240901
MAX_LINES_PER_DOC = 8
VOCAB_SIZE = 8000
SPM_OPTS = [
    "--model_type=unigram",
    f"--vocab_size={VOCAB_SIZE}",
    "--character_coverage=0.9995",
    "--user_defined_symbols=" + ",".join(USER_SYMBOLS),
    "--max_sentence_length=16384",
    "--num_threads=1",
    "--random_seed=12345",
    "--minloglevel=1",
]


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read_lines(path):
    with open(path, encoding="utf-8") as f:
        return [line.rstrip("\n") for line in f if line.rstrip("\n")]


def make_documents(lines, source_of, rng):
    by_source = {}
    for line in lines:
        by_source.setdefault(source_of.get(line, "unknown"), []).append(line)
    docs = []
    for source in sorted(by_source):
        pending = by_source[source]
        i = 0
        while i < len(pending):
            k = rng.randint(1, MAX_LINES_PER_DOC)
            docs.append((source, pending[i : i + k]))
            i += k
    rng.shuffle(docs)
    return docs


def main():
    import numpy as np
    import sentencepiece as spm

    os.makedirs(WORK, exist_ok=True)
    corpus = os.path.join(CORPUS_WORK, "corpus.txt")
    heldout = os.path.join(CORPUS_WORK, "heldout.txt")
    if not os.path.exists(corpus):
        sys.exit(f"missing {corpus}; run bash tooling/tokenizer-fixtures/build-corpus.sh first")
    source_of = {}
    for path in sorted(glob.glob(os.path.join(CORPUS_WORK, "sources", "*.txt"))):
        name = os.path.basename(path)[:-4]
        for line in read_lines(path):
            source_of.setdefault(line, name)
    train_lines = read_lines(corpus)
    valid_lines = read_lines(heldout)
    assert not set(train_lines) & set(valid_lines), "held-out lines leak into training"

    rng = random.Random(SEED)
    train_docs = make_documents(train_lines, source_of, rng)
    valid_docs = make_documents(valid_lines, source_of, rng)
    for name, docs in (("train", train_docs), ("valid", valid_docs)):
        with open(os.path.join(WORK, f"{name}-docs.txt"), "w", encoding="utf-8") as f:
            for _, doc in docs:
                f.write(NEWLINE.join(doc) + "\n")

    # Tokenizer: trained on the training documents (with <|n|> inline), never on validation.
    prefix = os.path.join(WORK, "spiece")
    start = time.time()
    rel_input = os.path.relpath(os.path.join(WORK, "train-docs.txt"), REPO)
    subprocess.run(
        ["/usr/bin/spm_train", f"--input={rel_input}", f"--model_prefix={os.path.relpath(prefix, REPO)}"]
        + SPM_OPTS,
        cwd=REPO,
        check=True,
    )
    spm_seconds = time.time() - start
    sp = spm.SentencePieceProcessor(model_file=prefix + ".model")
    eot = sp.piece_to_id(END_OF_TEXT)
    assert sp.id_to_piece(eot) == END_OF_TEXT
    # The convention: <|n|> is one piece inside a document.
    assert NEWLINE in sp.encode(preprocess("Файл\nРедактиране"), out_type=str)

    counts = {}
    for name, docs in (("train", train_docs), ("valid", valid_docs)):
        stream = []
        for _, doc in docs:
            stream.append(eot)
            stream.extend(encode(sp, "\n".join(doc)))
        arr = np.asarray(stream, dtype=np.uint16)
        # Text the tokenizer cannot represent (SentencePiece's <unk>, id 0) is written
        # <|unknown|> in the training text, as in the published model's convention (the preset
        # drops <|unknown|> from output), so the model never learns to emit <unk>.
        unknown = int((arr == sp.unk_id()).sum())
        arr[arr == sp.unk_id()] = sp.piece_to_id(UNKNOWN)
        np.save(os.path.join(WORK, f"{name}-ids.npy"), arr)
        counts[name] = {
            "lines": sum(len(d) for _, d in docs),
            "documents": len(docs),
            "tokens": int(arr.size),
            "utf8_bytes": sum(len("\n".join(d).encode("utf-8")) for _, d in docs),
            "unknown_tokens_written_as_<|unknown|>": unknown,
            "lines_per_source": {
                s: sum(len(d) for src, d in docs if src == s) for s in sorted({src for src, _ in docs})
            },
        }
        print(name, counts[name], file=sys.stderr)

    os.makedirs(CHECKPOINT, exist_ok=True)
    shutil.copyfile(prefix + ".model", os.path.join(CHECKPOINT, "spiece.model"))
    write_json(
        os.path.join(CHECKPOINT, "tokenizer_config.json"),
        {
            "do_lower_case": ALBERT["do_lower_case"],
            "keep_accents": ALBERT["keep_accents"],
            "remove_space": ALBERT["remove_space"],
            "bos_token": END_OF_TEXT,
            "eos_token": END_OF_TEXT,
            "unk_token": "<unk>",
            "sep_token": "[SEP]",
            "pad_token": "<pad>",
            "cls_token": "[CLS]",
            "mask_token": {
                "__type": "AddedToken",
                "content": "[MASK]",
                "lstrip": True,
                "normalized": False,
                "rstrip": False,
                "single_word": False,
            },
            "model_max_length": 256,
            "special_tokens_map_file": None,
            "tokenizer_class": "AlbertTokenizer",
        },
    )
    write_json(
        os.path.join(WORK, "prepare.json"),
        {
            "corpus": {
                "builder": "tooling/tokenizer-fixtures/build-corpus.sh",
                "train_file": "tooling/tokenizer-fixtures/.work/corpus.txt",
                "train_sha256": sha256(corpus),
                "validation_file": "tooling/tokenizer-fixtures/.work/heldout.txt",
                "validation_sha256": sha256(heldout),
                "documents": f"lines of one source grouped into documents of 1..{MAX_LINES_PER_DOC} lines "
                f"joined by <|n|>, shuffled, seed {SEED}; stream = <|endoftext|> doc <|endoftext|> doc ...",
            },
            "tokenizer": {
                "trainer": "/usr/bin/spm_train (Debian sentencepiece)",
                "input": rel_input,
                "options": SPM_OPTS,
                "seconds": round(spm_seconds, 1),
                "vocab_size": sp.get_piece_size(),
                "end_of_text_id": eot,
                "unk_id": sp.unk_id(),
                "sha256": sha256(prefix + ".model"),
            },
            "counts": counts,
        },
    )


if __name__ == "__main__":
    main()
