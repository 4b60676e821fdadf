#!/usr/bin/python3
"""make-reference.py — golden PyTorch figures for the trained demo model (after train.py).

Run:  /usr/bin/python3 tooling/train-demo-model/make-reference.py

Uses the committed checkpoint (packages/demo-model/model/: config.json, pytorch_model.bin,
spiece.model) and the plain-torch GPT-2 forward of tooling/gpt2-fixtures/gpt2_common.py
(Hugging Face semantics; the same one the converter's golden fixtures come from). Float32, CPU,
deterministic. Writes into packages/demo-model/fixtures/:

  reference.json.gz     PROMPTS: per prompt the text, its ids (spiece.model through the bg-gpt2
                        text preset + AlbertTokenizer preprocessing, see demo_common.encode),
                        the last-position logits at prefill and after the first STEPS greedy
                        steps (KV cache), and the greedy continuation of GREEDY tokens
  validation-ids.bin    the validation token stream (uint16 little-endian): held-out lines only
  validation.json       how the perplexity is computed, the PyTorch figure, per-window NLL sums
  samples.json          greedy and sampled generations (seeded) for the model card

Self-checks: the training forward (train.block_forward) equals gpt2_forward on the validation
windows; the KV-cache path equals the no-cache path; the validation stream is the one train.py
evaluated (train.json's loss is reproduced).
"""

import gzip
import json
import math
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from demo_common import (  # noqa: E402
    CHECKPOINT,
    END_OF_TEXT,
    FIXTURES,
    NEWLINE,
    UNKNOWN,
    WORK,
    encode,
    read_json,
    write_json,
)
from gpt2_common import gpt2_forward, to_f32_state  # noqa: E402

torch.set_num_threads(int(os.environ.get("DEMO_THREADS", "1")))

PROMPTS = [
    ("settings", "Файлът не може да бъде"),
    ("request", "Моля, въведете"),
    ("proverb", "Който копае гроб другиму,"),
    ("country", "България е"),
]
STEPS = 4  # logits recorded after this many greedy steps (plus the prefill)
GREEDY = 20
SAMPLE_PROMPTS = ["Файлът не може да бъде", "Моля, въведете", "Който копае гроб другиму,", "Днес времето е"]
SAMPLE_NEW_TOKENS = 40
SAMPLE_SEED = 20240903


def r7(row):
    return [float("%.7g" % x) for x in row.to(torch.float64).tolist()]


def from_model_text(text):
    """The model card's post-processing (fromModelText of the tokenizer preset)."""
    return (
        text.replace(END_OF_TEXT, "\n\n\n").replace(UNKNOWN, "").replace("\u2581", " ").replace(NEWLINE, "\n")
    )


def windows_of(stream, seq):
    out = [stream[i : i + seq] for i in range(0, len(stream) - 1, seq)]
    return [w for w in out if len(w) >= 2]


@torch.no_grad()
def validation(sd, cfg, stream, seq):
    sums, counts = [], []
    for w in windows_of(stream, seq):
        x = torch.from_numpy(w.astype(np.int64)).unsqueeze(0)
        logits, _ = gpt2_forward(sd, cfg, x)
        nll = F.cross_entropy(logits[0, :-1].to(torch.float64), x[0, 1:], reduction="sum")
        sums.append(float(nll))
        counts.append(len(w) - 1)
    return sums, counts


@torch.no_grad()
def run_prompt(sd, cfg, ids):
    logits, past = gpt2_forward(sd, cfg, torch.tensor([ids]))
    rows = [logits[0, -1]]
    tok = int(logits[0, -1].argmax())
    greedy = [tok]
    steps = []
    for s in range(GREEDY - 1):
        lg, past = gpt2_forward(sd, cfg, torch.tensor([[tok]]), past=past)
        row = lg[0, -1]
        nxt = int(row.argmax())
        if s < STEPS:
            steps.append({"input_id": tok, "position": len(ids) + s, "argmax": nxt, "logits": r7(row)})
            rows.append(row)
        greedy.append(nxt)
        tok = nxt
    # cache path == no-cache path; greedy == argmax of the full forward
    full, _ = gpt2_forward(sd, cfg, torch.tensor([ids + greedy[:-1]]))
    assert full[0].argmax(-1)[len(ids) - 1 :].tolist() == greedy
    diff = max((full[0, len(ids) - 1 + j] - r).abs().max().item() for j, r in enumerate(rows))
    assert diff < 1e-4, diff
    top2 = [float(torch.topk(full[0, len(ids) - 1 + j], 2).values.diff().abs()) for j in range(GREEDY)]
    return {
        "input_ids": ids,
        "prefill_logits": r7(rows[0]),
        "first_token": greedy[0],
        "steps": steps,
        "greedy": greedy,
        "greedy_top2_gaps": [round(g, 4) for g in top2],
    }


@torch.no_grad()
def generate(sd, cfg, ids, new_tokens, eot, sample=None):
    """Greedy (sample=None) or nucleus sampling with top_p (top_k 0, temperature 1), as the
    published model card calls generate(); stops after <|endoftext|>."""
    logits, past = gpt2_forward(sd, cfg, torch.tensor([ids]))
    row = logits[0, -1]
    out = []
    for _ in range(new_tokens):
        if sample is None:
            tok = int(row.argmax())
        else:
            gen, top_p = sample
            probs = torch.softmax(row.to(torch.float64), -1)
            sorted_probs, order = probs.sort(descending=True)
            keep = sorted_probs.cumsum(-1) - sorted_probs < top_p
            kept = torch.zeros_like(probs)
            kept[order[keep]] = probs[order[keep]]
            tok = int(torch.multinomial(kept / kept.sum(), 1, generator=gen))
        out.append(tok)
        if tok == eot or len(ids) + len(out) >= cfg["n_positions"]:
            break
        lg, past = gpt2_forward(sd, cfg, torch.tensor([[tok]]), past=past)
        row = lg[0, -1]
    return out


def main():
    import sentencepiece as spm

    cfg = read_json(os.path.join(CHECKPOINT, "config.json"))
    sd = to_f32_state(torch.load(os.path.join(CHECKPOINT, "pytorch_model.bin")))
    sp = spm.SentencePieceProcessor(model_file=os.path.join(CHECKPOINT, "spiece.model"))
    eot = sp.piece_to_id(END_OF_TEXT)
    assert cfg["eos_token_id"] == eot == cfg["bos_token_id"]
    seq = cfg["n_positions"]

    # Validation perplexity: the stream of prepare.py (held-out lines only), windows of n_positions.
    stream = np.load(os.path.join(WORK, "valid-ids.npy"))
    sums, counts = validation(sd, cfg, stream, seq)
    loss = sum(sums) / sum(counts)
    ppl = math.exp(loss)
    print(f"validation: {len(sums)} windows, {sum(counts)} predicted tokens, loss {loss:.5f}, ppl {ppl:.3f}")

    # The training forward computes the same thing (checked on the first windows).
    import train

    params = {k: v for k, v in sd.items()}
    for w in windows_of(stream, seq)[:4]:
        x = torch.from_numpy(w.astype(np.int64)).unsqueeze(0)
        with torch.no_grad():
            a = train.block_forward(params, cfg, x)
            b, _ = gpt2_forward(sd, cfg, x)
        assert (a - b).abs().max().item() < 1e-4, (a - b).abs().max().item()
    tj = os.path.join(WORK, "train.json")
    if os.path.exists(tj):
        trained = read_json(tj)
        assert abs(trained["valid_loss"] - loss) < 1e-3, (trained["valid_loss"], loss)

    os.makedirs(FIXTURES, exist_ok=True)
    with open(os.path.join(FIXTURES, "validation-ids.bin"), "wb") as f:
        f.write(stream.astype("<u2").tobytes())
    write_json(
        os.path.join(FIXTURES, "validation.json"),
        {
            "about": "Validation perplexity of the demo model. validation-ids.bin is the token stream "
            "(uint16 LE) of the held-out documents (<|endoftext|> doc <|endoftext|> doc ...); it is cut "
            "into consecutive windows of window_length tokens (the last one shorter), each scored on its "
            "own from an empty context; loss = sum of next-token NLL / predicted_tokens (natural log), "
            "perplexity = exp(loss). Made by tooling/train-demo-model/make-reference.py with the "
            "plain-torch GPT-2 forward in float32 (NLL summed in float64).",
            "window_length": seq,
            "tokens": int(stream.size),
            "windows": len(sums),
            "predicted_tokens": sum(counts),
            "loss": round(loss, 6),
            "perplexity": round(ppl, 4),
            "window_nll_sums": [round(s, 4) for s in sums],
        },
        indent=1,
    )

    prompts = []
    for name, text in PROMPTS:
        ids = encode(sp, text)
        result = run_prompt(sd, cfg, ids)
        prompts.append({"name": name, "text": text, **result})
        print(name, repr(from_model_text(sp.decode(result["greedy"]))))
    ref = {
        "about": "Last-position logits of the demo model (plain-torch GPT-2 forward, float32) at prefill "
        f"and after each of the first {STEPS} greedy steps with a KV cache, and the {GREEDY}-token "
        "greedy continuation. Made by tooling/train-demo-model/make-reference.py.",
        "prompts": prompts,
    }
    with open(os.path.join(FIXTURES, "reference.json.gz"), "wb") as raw:
        with gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as f:
            f.write((json.dumps(ref, ensure_ascii=False) + "\n").encode("utf-8"))

    samples = []
    for i, text in enumerate(SAMPLE_PROMPTS):
        ids = encode(sp, text)
        greedy = generate(sd, cfg, ids, SAMPLE_NEW_TOKENS, eot)
        gen = torch.Generator().manual_seed(SAMPLE_SEED + i)
        sampled = [generate(sd, cfg, ids, SAMPLE_NEW_TOKENS, eot, (gen, 0.92)) for _ in range(2)]
        samples.append(
            {
                "prompt": text,
                "greedy": from_model_text(sp.decode(ids + greedy)),
                "sampled_top_p_0.92": [from_model_text(sp.decode(ids + s)) for s in sampled],
            }
        )
    write_json(
        os.path.join(FIXTURES, "samples.json"),
        {
            "about": f"Up to {SAMPLE_NEW_TOKENS} new tokens, stopping after <|endoftext|>; greedy, and nucleus "
            f"sampling top_p 0.92, top_k 0, temperature 1 (torch.Generator seeds {SAMPLE_SEED}+i). "
            "Decoded with the model card's post-processing.",
            "samples": samples,
        },
    )
    for s in samples:
        print(json.dumps(s, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
