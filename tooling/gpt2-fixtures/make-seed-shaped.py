#!/usr/bin/python3
"""make-seed-shaped.py — a random GPT-2 with the SHAPE of rmihaylov/gpt2-small-theseus-bg
(n_layer 6, n_embd 768, n_head 12, n_positions 1024, vocab 50257, tied embeddings,
bos/eos 50256), for speed / memory benchmarks only. Its outputs are meaningless.

How: /usr/bin/python3 tooling/gpt2-fixtures/make-seed-shaped.py [out_dir]
Default out_dir: bench/.data/seed-shaped/ (gitignored — never commit these ~330 MB files).
Deterministic (torch.manual_seed(20240603)); takes ~10 s.
Writes config.json, pytorch_model.bin (torch zip, same key layout / buffers as the real
file, lm_head.weight absent) and model.safetensors (same tensors, F32 + U8 masks).
"""

import os
import sys

import torch

sys.dont_write_bytecode = True  # no __pycache__ in the repo
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gpt2_common import REPO, TinyGPT2, make_config, sorted_for_safetensors, write_json, write_safetensors  # noqa: E402

SEED = 20240603


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(REPO, "bench", ".data", "seed-shaped")
    os.makedirs(out, exist_ok=True)
    cfg = make_config(n_layer=6, n_embd=768, n_head=12, n_positions=1024, vocab_size=50257, tie=True)
    torch.manual_seed(SEED)
    model = TinyGPT2(cfg)
    model.init_random(emb_std=0.02, block_std=0.02)
    sd = model.hf_state_dict()
    write_json(os.path.join(out, "config.json"), cfg)
    torch.save(sd, os.path.join(out, "pytorch_model.bin"))
    write_safetensors(os.path.join(out, "model.safetensors"), sorted_for_safetensors(sd))
    n = sum(v.numel() for k, v in sd.items() if v.is_floating_point())
    for f in sorted(os.listdir(out)):
        print(f, os.path.getsize(os.path.join(out, f)))
    print("float parameters:", n)


if __name__ == "__main__":
    main()
