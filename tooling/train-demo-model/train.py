#!/usr/bin/python3
"""train.py — trains the bundled demo GPT-2 (packages/demo-model) on the Bulgarian corpus.

Run (after prepare.py), in the background, on ONE thread (the default):
    nohup /usr/bin/python3 tooling/train-demo-model/train.py > tooling/train-demo-model/.work/train.log 2>&1 &
With 2 threads (faster when both cores are free — not measured here, the cores were shared;
float summation order differs, so the weights are not bit-identical to a 1-thread run):
    DEMO_THREADS=2 OPENBLAS_NUM_THREADS=2 nohup /usr/bin/python3 tooling/train-demo-model/train.py > ... &
Throughput only:  /usr/bin/python3 tooling/train-demo-model/train.py --bench
Checkpoint from the last resume point (while it trains): train.py --export
A stopped run resumes from .work/ckpt.pt; --fresh starts over.

Needs Debian's python3-torch (1.13) and numpy, and a real BLAS: `apt-get install -y
libopenblas0-pthread` (torch is linked against libblas.so.3; the reference BLAS it otherwise
gets is ~16x slower).

What it does: GPT-2 (HF GPT2LMHeadModel semantics: pre-LayerNorm blocks, gelu_new, tied
embeddings, learned positions), random windows of SEQ+1 tokens from the training stream
(prepare.py), AdamW with linear warmup then cosine decay, fixed seeds, no dropout. It stops at
MAX_STEPS or after MAX_SECONDS of wall time (whichever comes first; the schedule is fixed by
MAX_STEPS, so a run cut short by time ends at a higher learning rate — the log says so).
Every EVAL_EVERY steps it reports the validation loss on the full validation stream.

Makes: packages/demo-model/model/config.json and pytorch_model.bin (HF layout through
tooling/gpt2-fixtures/gpt2_common.py: Conv1D weights [in, out], uint8 attn.bias and
attn.masked_bias buffers, no lm_head when tied), .work/train.json (settings, curve, timing)
and .work/ckpt.pt (resume point, written every CKPT_EVERY steps).
"""

import math
import os
import sys
import time

THREADS = int(os.environ.get("DEMO_THREADS", "1"))
os.environ.setdefault("OPENBLAS_NUM_THREADS", str(THREADS))
os.environ.setdefault("OMP_NUM_THREADS", str(THREADS))

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from demo_common import CHECKPOINT, END_OF_TEXT, WORK, read_json, write_json  # noqa: E402
from gpt2_common import TinyGPT2, make_config  # noqa: E402

torch.set_num_threads(THREADS)

SETTINGS = dict(
    n_layer=4,
    n_embd=192,
    n_head=4,
    n_positions=256,
    seq=256,  # training window = n_positions
    batch=16,  # windows per step: 4096 tokens (~2.2 s per step on one thread)
    lr=2e-3,
    min_lr=1e-4,
    warmup_steps=100,
    max_steps=1000,
    max_seconds=45 * 60,
    weight_decay=0.1,  # on matrices and embeddings, not on biases / LayerNorm
    betas=(0.9, 0.95),
    grad_clip=1.0,
    init_std=0.02,  # GPT-2 initializer_range; residual projections / sqrt(2 * n_layer)
    seed=20240902,
    eval_every=200,
    ckpt_every=100,
)


def block_forward(params, cfg, idx):
    """The GPT-2 forward for training, on named parameters (HF key names). Same math as
    gpt2_common.gpt2_forward (which make-reference.py uses and checks against this one)."""
    L, E, H = cfg["n_layer"], cfg["n_embd"], cfg["n_head"]
    eps = cfg["layer_norm_epsilon"]
    D = E // H
    B, T = idx.shape
    x = params["transformer.wte.weight"][idx] + params["transformer.wpe.weight"][:T]
    causal = torch.ones(T, T, dtype=torch.bool).tril()
    for i in range(L):
        p = f"transformer.h.{i}."
        h = F.layer_norm(x, (E,), params[p + "ln_1.weight"], params[p + "ln_1.bias"], eps)
        qkv = torch.addmm(params[p + "attn.c_attn.bias"], h.view(B * T, E), params[p + "attn.c_attn.weight"])
        q, k, v = qkv.view(B, T, 3, H, D).permute(2, 0, 3, 1, 4)
        att = (q @ k.transpose(-1, -2)) * (1.0 / math.sqrt(D))
        att = att.masked_fill(~causal, float("-inf")).softmax(-1)
        a = (att @ v).transpose(1, 2).reshape(B * T, E)
        x = x + torch.addmm(params[p + "attn.c_proj.bias"], a, params[p + "attn.c_proj.weight"]).view(B, T, E)
        h = F.layer_norm(x, (E,), params[p + "ln_2.weight"], params[p + "ln_2.bias"], eps)
        h = torch.addmm(params[p + "mlp.c_fc.bias"], h.view(B * T, E), params[p + "mlp.c_fc.weight"])
        h = F.gelu(h, approximate="tanh")
        x = x + torch.addmm(params[p + "mlp.c_proj.bias"], h, params[p + "mlp.c_proj.weight"]).view(B, T, E)
    x = F.layer_norm(x, (E,), params["transformer.ln_f.weight"], params["transformer.ln_f.bias"], eps)
    return x @ params["transformer.wte.weight"].t()


def init_weights(model, cfg, std):
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("ln_1.weight") or name.endswith("ln_2.weight") or name.endswith("ln_f.weight"):
                p.fill_(1.0)
            elif name.endswith(".bias"):
                p.zero_()
            elif name.endswith("c_proj.weight"):
                p.normal_(0.0, std / math.sqrt(2 * cfg["n_layer"]))
            else:
                p.normal_(0.0, std)


def lr_at(step, s):
    if step < s["warmup_steps"]:
        return s["lr"] * (step + 1) / s["warmup_steps"]
    progress = min(1.0, (step - s["warmup_steps"]) / max(1, s["max_steps"] - s["warmup_steps"]))
    return s["min_lr"] + 0.5 * (s["lr"] - s["min_lr"]) * (1.0 + math.cos(math.pi * progress))


@torch.no_grad()
def evaluate(params, cfg, stream, seq, batch=16):
    """Mean next-token NLL over non-overlapping windows of `seq` tokens of the stream (each
    window on its own, no context across windows; the last window may be shorter)."""
    total, count = 0.0, 0
    windows = [stream[i : i + seq] for i in range(0, len(stream) - 1, seq)]
    windows = [w for w in windows if len(w) >= 2]
    full = [w for w in windows if len(w) == seq]
    rest = [w for w in windows if len(w) != seq]
    for i in range(0, len(full), batch):
        x = torch.from_numpy(np.stack(full[i : i + batch]).astype(np.int64))
        logits = block_forward(params, cfg, x)
        nll = F.cross_entropy(logits[:, :-1].reshape(-1, logits.shape[-1]), x[:, 1:].reshape(-1), reduction="sum")
        total += float(nll)
        count += x.shape[0] * (seq - 1)
    for w in rest:
        x = torch.from_numpy(w.astype(np.int64)).unsqueeze(0)
        logits = block_forward(params, cfg, x)
        total += float(F.cross_entropy(logits[0, :-1], x[0, 1:], reduction="sum"))
        count += x.shape[1] - 1
    return total / count, count


def build(s, vocab_size, eot):
    cfg = make_config(
        s["n_layer"], s["n_embd"], s["n_head"], s["n_positions"], vocab_size, tie=True, bos=eot, eos=eot
    )
    # Trained without dropout: say so in the config (inference ignores these fields).
    for key in ("attn_pdrop", "embd_pdrop", "resid_pdrop", "summary_first_dropout"):
        cfg[key] = 0.0
    model = TinyGPT2(cfg)
    init_weights(model, cfg, s["init_std"])
    return cfg, model


def param_groups(model, wd):
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        (decay if p.dim() >= 2 else no_decay).append(p)
    return [{"params": decay, "weight_decay": wd}, {"params": no_decay, "weight_decay": 0.0}]


def bench():
    import sentencepiece as spm

    sp = spm.SentencePieceProcessor(model_file=os.path.join(WORK, "spiece.model"))
    for layers, embd, heads, batch in ((4, 256, 4, 16), (4, 256, 4, 8), (3, 256, 4, 16), (4, 192, 4, 16)):
        s = dict(SETTINGS, n_layer=layers, n_embd=embd, n_head=heads, batch=batch)
        torch.manual_seed(0)
        cfg, model = build(s, sp.get_piece_size(), sp.piece_to_id(END_OF_TEXT))
        params = dict(model.named_parameters())
        opt = torch.optim.AdamW(param_groups(model, 0.1), lr=1e-3)
        x = torch.randint(0, sp.get_piece_size(), (batch, s["seq"] + 1))
        times = []
        for step in range(6):
            t = time.time()
            logits = block_forward(params, cfg, x[:, :-1])
            loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), x[:, 1:].reshape(-1))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            times.append(time.time() - t)
        dt = sorted(times[1:])[len(times[1:]) // 2]
        n = sum(p.numel() for p in model.parameters())
        print(f"L{layers} E{embd} H{heads} B{batch}: {n / 1e6:.2f}M params, {dt:.2f} s/step, "
              f"{batch * s['seq'] / dt:.0f} tokens/s", flush=True)


def export_checkpoint(model, cfg):
    """config.json + pytorch_model.bin in the HF layout (torch.save zip format, tied: no lm_head)."""
    from collections import OrderedDict

    from gpt2_common import write_json as write_config

    os.makedirs(CHECKPOINT, exist_ok=True)
    sd = model.hf_state_dict()
    out = OrderedDict((k, v.detach().clone().contiguous()) for k, v in sd.items())
    out._metadata = sd._metadata
    torch.save(out, os.path.join(CHECKPOINT, "pytorch_model.bin"))
    write_config(os.path.join(CHECKPOINT, "config.json"), cfg)


def main():
    if "--bench" in sys.argv:
        bench()
        return
    if "--export" in sys.argv:
        # Writes the checkpoint from the last resume point (.work/ckpt.pt), e.g. during training.
        import sentencepiece as spm

        sp = spm.SentencePieceProcessor(model_file=os.path.join(WORK, "spiece.model"))
        cfg, model = build(SETTINGS, sp.get_piece_size(), sp.piece_to_id(END_OF_TEXT))
        ck = torch.load(os.path.join(WORK, "ckpt.pt"))
        model.load_state_dict(ck["model"])
        export_checkpoint(model, cfg)
        print(f"exported step {ck['step']}")
        return
    import sentencepiece as spm

    s = dict(SETTINGS)
    prep = read_json(os.path.join(WORK, "prepare.json"))
    sp = spm.SentencePieceProcessor(model_file=os.path.join(WORK, "spiece.model"))
    eot = sp.piece_to_id(END_OF_TEXT)
    train = np.load(os.path.join(WORK, "train-ids.npy")).astype(np.int64)
    valid = np.load(os.path.join(WORK, "valid-ids.npy")).astype(np.int64)

    torch.manual_seed(s["seed"])
    cfg, model = build(s, sp.get_piece_size(), eot)
    params = dict(model.named_parameters())
    opt = torch.optim.AdamW(param_groups(model, s["weight_decay"]), lr=s["lr"], betas=s["betas"])
    rng = np.random.default_rng(s["seed"])
    n_params = sum(p.numel() for p in model.parameters())
    print(f"params {n_params} ({n_params / 1e6:.2f}M), train tokens {len(train)}, valid tokens {len(valid)}, "
          f"threads {THREADS}", flush=True)

    step, elapsed, curve = 0, 0.0, []
    ckpt_path = os.path.join(WORK, "ckpt.pt")
    if os.path.exists(ckpt_path) and "--fresh" not in sys.argv:
        ck = torch.load(ckpt_path)
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["opt"])
        rng.bit_generator.state = ck["rng"]
        step, elapsed, curve = ck["step"], ck["elapsed"], ck["curve"]
        print(f"resumed at step {step} ({elapsed:.0f} s)", flush=True)

    seq, batch = s["seq"], s["batch"]
    stopped_by = "max_steps"
    t0 = time.time() - elapsed
    running = None
    while step < s["max_steps"]:
        if time.time() - t0 > s["max_seconds"]:
            stopped_by = "max_seconds"
            break
        lr = lr_at(step, s)
        for g in opt.param_groups:
            g["lr"] = lr
        starts = rng.integers(0, len(train) - seq - 1, size=batch)
        x = torch.from_numpy(np.stack([train[i : i + seq + 1] for i in starts]))
        logits = block_forward(params, cfg, x[:, :-1])
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), x[:, 1:].reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        gnorm = float(torch.nn.utils.clip_grad_norm_(model.parameters(), s["grad_clip"]))
        opt.step()
        step += 1
        running = float(loss) if running is None else 0.95 * running + 0.05 * float(loss)
        if step % 10 == 0:
            print(f"step {step} loss {float(loss):.4f} avg {running:.4f} lr {lr:.2e} gnorm {gnorm:.2f} "
                  f"t {time.time() - t0:.0f}s", flush=True)
        if step % s["eval_every"] == 0 or step == s["max_steps"]:
            vl, _ = evaluate(params, cfg, valid, seq)
            curve.append({"step": step, "seconds": round(time.time() - t0, 1), "train_loss_avg": round(running, 4),
                          "valid_loss": round(vl, 4), "valid_ppl": round(math.exp(vl), 2)})
            print(f"EVAL step {step} valid loss {vl:.4f} ppl {math.exp(vl):.2f}", flush=True)
        if step % s["ckpt_every"] == 0:
            torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "rng": rng.bit_generator.state,
                        "step": step, "elapsed": time.time() - t0, "curve": curve}, ckpt_path + ".tmp")
            os.replace(ckpt_path + ".tmp", ckpt_path)
    seconds = time.time() - t0
    vl, vcount = evaluate(params, cfg, valid, seq)
    if not curve or curve[-1]["step"] != step:
        curve.append({"step": step, "seconds": round(seconds, 1), "train_loss_avg": round(running or 0, 4),
                      "valid_loss": round(vl, 4), "valid_ppl": round(math.exp(vl), 2)})
    print(f"done: {step} steps in {seconds:.0f}s ({stopped_by}); valid loss {vl:.4f} ppl {math.exp(vl):.2f}",
          flush=True)

    export_checkpoint(model, cfg)
    settings = dict(s)
    settings["betas"] = list(s["betas"])
    write_json(
        os.path.join(WORK, "train.json"),
        {
            "settings": settings,
            "threads": THREADS,
            "torch": torch.__version__,
            "parameters": n_params,
            "steps": step,
            "tokens_seen": step * batch * seq,
            "epochs": round(step * batch * seq / len(train), 3),
            "seconds": round(seconds, 1),
            "stopped_by": stopped_by,
            "valid_loss": round(vl, 5),
            "valid_ppl": round(math.exp(vl), 3),
            "valid_predicted_tokens": vcount,
            "curve": curve,
            "prepare": prep,
        },
    )


if __name__ == "__main__":
    main()
