#!/usr/bin/python3
"""reference.py — golden logits for the tiny GPT-2 checkpoints, from a plain-torch GPT-2
forward (gpt2_common.gpt2_forward: token + position embeddings; per block
x += attn(ln_1(x)); x += mlp(ln_2(x)); causal attention scaled by 1/sqrt(head_dim);
gelu_new (tanh approximation); ln_f; logits = x @ wte^T, or @ lm_head^T when untied).

How: /usr/bin/python3 tooling/gpt2-fixtures/reference.py   (after make-checkpoints.py)
Deterministic (no randomness at all: fixed token ids, greedy decoding, float32 on CPU).
Writes <dir>/reference.json for tiny-gpt2, tiny-gpt2-untied, tiny-gpt2-fp16 and
tiny-gpt2-bf16 (the half-precision ones: weights upcast to float32, forward in float32).
tiny-gpt2-views holds exactly tiny-gpt2's values, so it uses tiny-gpt2/reference.json
(asserted here). See README.md for the JSON format.

Self-checks (assertions): KV-cache path == no-cache path (max |diff| < 1e-5); left-padded
batch == unpadded single sequences; layer_norm / gelu_new == torch.nn.functional's.
"""

import json
import os
import sys

import torch
import torch.nn.functional as F

sys.dont_write_bytecode = True  # no __pycache__ in the repo
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gpt2_common import (  # noqa: E402
    FIXTURES,
    gelu_new,
    gpt2_forward,
    layer_norm,
    read_safetensors,
    to_f32_state,
)

PROMPT_8 = [464, 329, 17, 999, 0, 512, 77, 801]
# 40 fixed ids (made once with a fixed LCG; written out so nobody has to re-derive them)
PROMPT_40 = [(i * 7919 + 13) % 1000 for i in range(40)]
BATCH = [[11, 22, 33, 44, 55], [101, 202, 303, 404, 505, 606, 707, 808, 909]]  # lengths 5 and 9
N_CACHED_STEPS = 5
N_GREEDY = 20
N_BATCH_STEPS = 3


def r7(t):
    """nested lists of floats rounded to 7 significant digits."""
    t = t.detach().to(torch.float64)
    if t.dim() == 0:
        return float("%.7g" % t.item())
    return [r7(x) for x in t] if t.dim() > 1 else [float("%.7g" % x) for x in t.tolist()]


def top2_gap(logits_row):
    v = torch.topk(logits_row, 2).values
    return float(v[0] - v[1])


def load_model(d):
    cfg = json.load(open(os.path.join(d, "config.json")))
    if os.path.exists(os.path.join(d, "pytorch_model.bin")):
        sd = torch.load(os.path.join(d, "pytorch_model.bin"))
        src = "pytorch_model.bin"
    else:
        sd = read_safetensors(os.path.join(d, "model.safetensors"))
        src = "model.safetensors"
    return cfg, to_f32_state(sd), src


def run_prompt(sd, cfg, ids, gaps):
    x = torch.tensor([ids], dtype=torch.long)
    with torch.no_grad():
        logits, past = gpt2_forward(sd, cfg, x)
    prefill = logits[0]
    gaps.append(top2_gap(prefill[-1]))
    tok = int(prefill[-1].argmax())
    generated = [tok]
    steps = []
    step_logits = []
    pos = len(ids)
    for s in range(N_GREEDY - 1):
        with torch.no_grad():
            lg, past = gpt2_forward(sd, cfg, torch.tensor([[tok]]), past=past)
        row = lg[0, -1]
        gaps.append(top2_gap(row))
        nxt = int(row.argmax())
        step_logits.append(row)
        if s < N_CACHED_STEPS:
            steps.append({"input_id": tok, "position": pos, "argmax": nxt, "logits": r7(row)})
        generated.append(nxt)
        tok = nxt
        pos += 1
    # cache path == no-cache path over the whole sequence
    full = torch.tensor([ids + generated[:-1]], dtype=torch.long)
    with torch.no_grad():
        lf, _ = gpt2_forward(sd, cfg, full)
    diff = (lf[0, : len(ids)] - prefill).abs().max().item()
    for j, row in enumerate(step_logits):
        diff = max(diff, (lf[0, len(ids) + j] - row).abs().max().item())
    assert diff < 1e-5, diff
    assert lf[0].argmax(-1)[len(ids) - 1 :].tolist() == generated
    return (
        {
            "input_ids": ids,
            "prefill_logits": r7(prefill),
            "first_token": generated[0],
            "steps": steps,
            "greedy": generated,
        },
        diff,
    )


def run_batch(sd, cfg, gaps):
    T = max(len(b) for b in BATCH)
    ids = [[0] * (T - len(b)) + b for b in BATCH]  # pad id 0 (value irrelevant: masked)
    mask = [[0] * (T - len(b)) + [1] * len(b) for b in BATCH]
    am = torch.tensor(mask, dtype=torch.long)
    pos = (am.cumsum(-1) - 1).clamp(min=0)
    with torch.no_grad():
        logits, past = gpt2_forward(sd, cfg, torch.tensor(ids), attention_mask=am, position_ids=pos)
        # HF generate() fills pad positions with 1 instead of 0; pads are masked, so identical
        pos_hf = (am.cumsum(-1) - 1).masked_fill(am == 0, 1)
        logits_hf, _ = gpt2_forward(sd, cfg, torch.tensor(ids), attention_mask=am, position_ids=pos_hf)
    assert (logits_hf[:, -1] - logits[:, -1]).abs().max().item() < 1e-6
    last = logits[:, -1]
    diff = 0.0
    # padded batch == each sequence alone
    singles = []
    for b, seq in enumerate(BATCH):
        with torch.no_grad():
            lg, _ = gpt2_forward(sd, cfg, torch.tensor([seq]))
        singles.append(lg)
        diff = max(diff, (lg[0, -1] - last[b]).abs().max().item())
        gaps.append(top2_gap(last[b]))
    tok = last.argmax(-1)
    steps = []
    cur_mask = am
    cur_pos = pos[:, -1]
    for s in range(N_BATCH_STEPS):
        cur_mask = torch.cat([cur_mask, torch.ones(len(BATCH), 1, dtype=torch.long)], dim=1)
        cur_pos = cur_pos + 1
        with torch.no_grad():
            lg, past = gpt2_forward(
                sd, cfg, tok.view(-1, 1), attention_mask=cur_mask, position_ids=cur_pos.view(-1, 1), past=past
            )
        row = lg[:, -1]
        nxt = row.argmax(-1)
        steps.append(
            {
                "input_ids": tok.tolist(),
                "position_ids": cur_pos.tolist(),
                "argmax": nxt.tolist(),
                "logits": r7(row),
            }
        )
        for b in range(len(BATCH)):
            gaps.append(top2_gap(row[b]))
        tok = nxt
    # batch cached steps == each sequence alone, no cache
    for b, seq in enumerate(BATCH):
        full = seq + [st["input_ids"][b] for st in steps]
        with torch.no_grad():
            lf, _ = gpt2_forward(sd, cfg, torch.tensor([full]))
        for s, st in enumerate(steps):
            ref = lf[0, len(seq) + s]
            got = torch.tensor(st["logits"][b])
            diff = max(diff, (ref - got).abs().max().item())
    assert diff < 1e-5, diff
    return (
        {
            "input_ids": ids,
            "attention_mask": mask,
            "position_ids": pos.tolist(),
            "pad_id": 0,
            "last_logits": r7(last),
            "steps": steps,
        },
        diff,
    )


def self_check_primitives():
    g = torch.Generator().manual_seed(1)
    x = torch.randn(4, 64, generator=g) * 3
    w = torch.randn(64, generator=g)
    b = torch.randn(64, generator=g)
    assert (layer_norm(x, w, b, 1e-5) - F.layer_norm(x, (64,), w, b, 1e-5)).abs().max() < 1e-5
    assert (gelu_new(x) - F.gelu(x, approximate="tanh")).abs().max() < 1e-5


def sensitivity_check(sd, cfg):
    """Every parameter matters: zeroing a bias / resetting a LayerNorm weight to 1 /
    transposing a square weight / swapping q,k,v order changes the logits by > 1e-3."""
    x = torch.tensor([PROMPT_8])
    with torch.no_grad():
        base, _ = gpt2_forward(sd, cfg, x)
        worst = (None, 1e9)
        for k, v in sd.items():
            if not v.is_floating_point() or v.dim() == 0 or k.endswith("attn.bias"):
                continue
            alt = dict(sd)
            if k.endswith(".bias"):
                alt[k] = torch.zeros_like(v)
            elif ".ln_" in k:
                alt[k] = torch.ones_like(v)
            elif v.dim() == 2 and v.shape[0] == v.shape[1]:
                alt[k] = v.t()
            elif k.endswith("c_attn.weight"):
                q, kk, vv = v.split(cfg["n_embd"], dim=1)
                alt[k] = torch.cat([kk, q, vv], dim=1)
            else:
                alt[k] = v.flip(0)
            lg, _ = gpt2_forward(alt, cfg, x)
            d = (lg - base).abs().max().item()
            if d < worst[1]:
                worst = (k, d)
    assert worst[1] > 1e-3, worst
    return worst


def make_reference(name):
    d = os.path.join(FIXTURES, name)
    cfg, sd, src = load_model(d)
    worst = sensitivity_check(sd, cfg)
    gaps = []
    prompts = []
    diffs = []
    for pname, ids in [("p8", PROMPT_8), ("p40", PROMPT_40)]:
        p, diff = run_prompt(sd, cfg, ids, gaps)
        prompts.append({"name": pname, **p})
        diffs.append(diff)
    batch, bdiff = run_batch(sd, cfg, gaps)
    ref = {
        "model": name,
        "weights": src,
        "forward": "float32 CPU, plain torch (tooling/gpt2-fixtures/gpt2_common.py gpt2_forward)"
        + ("; weights upcast to float32 before the forward" if "16" in name else ""),
        "rounding": "7 significant digits",
        "config": {k: cfg[k] for k in ["n_layer", "n_embd", "n_head", "n_positions", "vocab_size", "tie_word_embeddings"]},
        "prompts": prompts,
        "batch": batch,
        "checks": {
            "max_abs_diff_cache_vs_nocache": max(diffs),
            "max_abs_diff_batch_vs_single": bdiff,
            "min_top2_gap_on_greedy_path": min(gaps),
            "least_sensitive_tensor": {"name": worst[0], "max_abs_logit_change_when_perturbed": worst[1]},
        },
    }
    with open(os.path.join(d, "reference.json"), "w") as f:
        json.dump(ref, f, separators=(",", ":"))
        f.write("\n")
    print(name, ref["checks"], [p["greedy"] for p in prompts], batch["last_logits"][0][:3])
    return sd


def main():
    self_check_primitives()
    sd = make_reference("tiny-gpt2")
    make_reference("tiny-gpt2-untied")
    make_reference("tiny-gpt2-fp16")
    make_reference("tiny-gpt2-bf16")
    _, sdv, _ = load_model(os.path.join(FIXTURES, "tiny-gpt2-views"))
    for k in sd:
        assert torch.equal(sd[k], sdv[k]), k
    print("tiny-gpt2-views == tiny-gpt2 (uses tiny-gpt2/reference.json)")


if __name__ == "__main__":
    main()
