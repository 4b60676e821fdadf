"""Shared settings and helpers of the demo-model scripts (tooling only, never shipped).

Run with Debian's /usr/bin/python3 (python3-torch 1.13, python3-sentencepiece, python3-numpy);
the `python3` first on PATH is a different interpreter without these modules.
"""

import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
WORK = os.path.join(HERE, ".work")  # gitignored (tooling/*/.work/)
CORPUS_WORK = os.path.join(REPO, "tooling", "tokenizer-fixtures", ".work")
PACKAGE = os.path.join(REPO, "packages", "demo-model")
CHECKPOINT = os.path.join(PACKAGE, "model")  # the committed checkpoint folder
FIXTURES = os.path.join(PACKAGE, "fixtures")

sys.path.insert(0, os.path.join(REPO, "tooling", "gpt2-fixtures"))

# The text convention of the bg-gpt2 model family (packages/tokenizer/src/presets/bg-gpt2-text.ts).
NEWLINE = "<|n|>"
END_OF_TEXT = "<|endoftext|>"
UNKNOWN = "<|unknown|>"
USER_SYMBOLS = [END_OF_TEXT, UNKNOWN, NEWLINE]

# tokenizer_config.json of the rmihaylov models' AlbertTokenizer.
ALBERT = {"do_lower_case": False, "keep_accents": True, "remove_space": True}

SPIECE_UNDERLINE = "\u2581"


def preprocess(text, opts=ALBERT):
    """toModelText (line breaks → <|n|>) then AlbertTokenizer.preprocess_text."""
    import unicodedata

    text = text.replace("\r\n", NEWLINE).replace("\r", NEWLINE).replace("\n", NEWLINE)
    if opts["remove_space"]:
        text = " ".join(text.strip().split())
    text = text.replace("``", '"').replace("''", '"')
    if not opts["keep_accents"]:
        text = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in text if not unicodedata.combining(c))
    if opts["do_lower_case"]:
        text = text.lower()
    return text


def albert_pieces(sp, text):
    """Hugging Face AlbertTokenizer._tokenize: SentencePiece pieces, then a piece ending in
    "<digit>," is re-split so that the comma stands alone."""
    pieces = sp.encode(preprocess(text), out_type=str)
    out = []
    for piece in pieces:
        if len(piece) > 1 and piece[-1] == "," and piece[-2].isdigit():
            cur = sp.encode(piece[:-1].replace(SPIECE_UNDERLINE, ""), out_type=str)
            if piece[0] != SPIECE_UNDERLINE and cur and cur[0][0] == SPIECE_UNDERLINE:
                if len(cur[0]) == 1:
                    cur = cur[1:]
                else:
                    cur[0] = cur[0][1:]
            cur.append(piece[-1])
            out.extend(cur)
        else:
            out.append(piece)
    return out


def encode(sp, text):
    """Ids as the bg-gpt2 text preset + AlbertTokenizer give them (no special tokens added)."""
    return [sp.piece_to_id(p) for p in albert_pieces(sp, text)]


def read_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def write_json(path, obj, indent=2):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=indent, ensure_ascii=False)
        f.write("\n")
