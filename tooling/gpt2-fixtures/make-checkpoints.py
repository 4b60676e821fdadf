#!/usr/bin/python3
"""make-checkpoints.py — tiny GPT-2 checkpoints in the exact Hugging Face GPT2LMHeadModel
layout, for the @bg-gpt2/convert tests.

How: /usr/bin/python3 tooling/gpt2-fixtures/make-checkpoints.py   (Debian torch 1.13)
Re-runnable, deterministic (torch.manual_seed(20240601) for the tied model, 20240602 for
the untied one). Writes into packages/convert/fixtures/:

  tiny-gpt2/config.json
  tiny-gpt2/pytorch_model.bin                   torch.save zip format, archive folder "pytorch_model/"
  tiny-gpt2/pytorch_model.renamed-archive.bin   same state dict, archive folder "archive-x/"
  tiny-gpt2/pytorch_model.legacy.bin            torch.save(..., _use_new_zipfile_serialization=False),
                                                storage keys renamed "0", "1", ... (see save_legacy)
  tiny-gpt2/model.safetensors                   same tensors (incl. attn.bias U8 + masked_bias F32 scalar)
  tiny-gpt2/model.no-prefix.safetensors         openai-community/gpt2 style: keys without
                                                "transformer.", no attn buffers
  tiny-gpt2-untied/{config.json,pytorch_model.bin}     tie_word_embeddings false + lm_head.weight
  tiny-gpt2-views/{config.json,pytorch_model.bin}      SAME VALUES as tiny-gpt2, but many tensors
                                                are non-contiguous views / share storages /
                                                have storage offsets (see VIEWS below)
  tiny-gpt2-fp16/{config.json,pytorch_model.bin}       tiny-gpt2 cast to float16 (HalfStorage)
  tiny-gpt2-bf16/{config.json,model.safetensors}       tiny-gpt2 cast to bfloat16 (BF16)

The zip checkpoints are written by torch.save itself, so the storages / strides / offsets
in data.pkl are exactly what torch writes. torch.save names the zip's top folder after the
file name (without extension), hence "pytorch_model/" for pytorch_model.bin.
"""

import os
import sys
from collections import OrderedDict

import torch

sys.dont_write_bytecode = True  # no __pycache__ in the repo
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gpt2_common import (  # noqa: E402
    FIXTURES,
    TINY,
    TinyGPT2,
    make_config,
    read_safetensors,
    sorted_for_safetensors,
    write_json,
    write_safetensors,
)

SEED_TIED = 20240601
SEED_UNTIED = 20240602


def build(seed, tie):
    torch.manual_seed(seed)
    cfg = make_config(**TINY, tie=tie)
    model = TinyGPT2(cfg)
    model.init_random()
    return cfg, model


def save_zip(sd, path, archive_name=None):
    """torch.save in zip format; archive_name changes the zip's internal top folder."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if archive_name is None:
        torch.save(sd, path)
    else:
        tmp = os.path.join(os.path.dirname(path), archive_name + ".bin")
        torch.save(sd, tmp)
        os.replace(tmp, path)


def save_legacy(sd, path):
    """torch.save(..., _use_new_zipfile_serialization=False), then make it reproducible:
    legacy torch.save names storages by their memory address (str(storage._cdata)) and writes
    them in sorted-address order. Rename them "0", "1", ... in order of first appearance in
    the object pickle and write the key list and the raw storage records in that order.
    Only BINUNICODE key strings change (protocol 2 has no frames or absolute offsets). The
    file is parsed with pickletools.genops only, never loaded."""
    import pickletools
    import struct

    torch.save(sd, path, _use_new_zipfile_serialization=False)
    raw = open(path, "rb").read()
    pos, spans = 0, []
    for _ in range(5):  # magic, protocol, sys_info, object, key list
        end = pos + [p for _, _, p in pickletools.genops(raw[pos:])][-1] + 1
        spans.append((pos, end))
        pos = end
    old_order = [a for op, a, _ in pickletools.genops(raw[spans[4][0] : spans[4][1]]) if op.name == "BINUNICODE"]
    # storage keys in order of first appearance in the object pickle; each tensor of this
    # state dict has its own storage, so the i-th key belongs to the i-th tensor
    keyset = set(old_order)
    new_order = []
    for op, arg, _ in pickletools.genops(raw[spans[3][0] : spans[3][1]]):
        if op.name == "BINUNICODE" and arg in keyset and arg not in new_order:
            new_order.append(arg)
    assert sorted(new_order) == sorted(old_order) and len(new_order) == len(sd)
    elem = {k: t.element_size() for k, t in zip(new_order, sd.values())}
    chunks, off = {}, pos
    for k in old_order:
        (n,) = struct.unpack("<Q", raw[off : off + 8])
        size = 8 + n * elem[k]
        chunks[k] = raw[off : off + size]
        off += size
    assert off == len(raw)

    def ustr(x):
        return b"X" + struct.pack("<I", len(x)) + x.encode()

    obj = raw[spans[3][0] : spans[3][1]]
    for i, k in enumerate(new_order):
        assert obj.count(ustr(k)) == 1, k
        obj = obj.replace(ustr(k), ustr("\0tmp%d" % i))
    for i in range(len(new_order)):
        obj = obj.replace(ustr("\0tmp%d" % i), ustr(str(i)))
    keylist = b"\x80\x02]q\x00(" + b"".join(ustr(str(i)) for i in range(len(new_order))) + b"e."
    data = b"".join(chunks[k] for k in new_order)
    with open(path, "wb") as f:
        f.write(raw[: spans[3][0]] + obj + keylist + data)


def check_same(a, b, what):
    assert list(a.keys()) == list(b.keys()), (what, list(a.keys()), list(b.keys()))
    for k in a:
        assert a[k].dtype == b[k].dtype and a[k].shape == b[k].shape, (what, k)
        assert torch.equal(a[k], b[k]), (what, k)


def make_views_state_dict(sd):
    """Same values as sd, but stored through views (VIEWS):
    - transformer.wpe.weight: rows 10..137 of a [140, 64] tensor (storage offset 640, contiguous)
    - h.0.attn.c_attn.weight: sub-block [2:66, 3:195] of a [67, 200] tensor
      (offset 2*200+3 = 403, strides (200, 1))
    - h.0.attn.c_proj.weight: transpose of a contiguous [64, 64] tensor (strides (1, 64))
    - h.1.attn.c_attn.weight: transpose of block [5:197, 3:67] of a [200, 70] tensor
      (shape [64, 192], strides (1, 70), offset 5*70+3 = 353)
    - h.N.mlp.c_fc.weight and h.N.mlp.c_proj.weight share ONE storage per layer
      (c_fc at offset 0, c_proj at offset 64*256 = 16384, both contiguous)
    - h.N.ln_1.weight / h.N.ln_1.bias are rows 0 / 1 of one [2, 64] tensor (offsets 0 / 64)
    - transformer.ln_f.weight: every other element of a [128] tensor (stride 2, offset 1)
    - h.N.attn.c_attn.bias: a slice of a bigger [200] storage (offset 4)
    - h.1.attn.bias (uint8 mask): stored as a view of a [1,1,130,130] byte tensor
      ([..., 1:129, 2:130] → offset 132, strides (16900, 16900, 130, 1))
    - transformer.wte.weight: plain contiguous (shared with nothing).
    """
    out = OrderedDict()
    e = TINY["n_embd"]
    n_pos = TINY["n_positions"]
    for k, v in sd.items():
        out[k] = v
    g = torch.Generator().manual_seed(7)

    def junk(*shape, dtype=torch.float32):
        if dtype == torch.uint8:
            return torch.randint(0, 256, shape, generator=g, dtype=torch.uint8)
        return torch.randn(*shape, generator=g, dtype=dtype) * 100.0  # obviously wrong values

    big = junk(140, e)
    big[10:138] = sd["transformer.wpe.weight"]
    out["transformer.wpe.weight"] = big[10:138]

    big = junk(67, 200)
    big[2:66, 3:195] = sd["transformer.h.0.attn.c_attn.weight"]
    out["transformer.h.0.attn.c_attn.weight"] = big[2:66, 3:195]

    out["transformer.h.0.attn.c_proj.weight"] = sd["transformer.h.0.attn.c_proj.weight"].t().contiguous().t()

    big = junk(200, 70)
    big[5:197, 3:67] = sd["transformer.h.1.attn.c_attn.weight"].t()
    out["transformer.h.1.attn.c_attn.weight"] = big[5:197, 3:67].t()

    for i in range(TINY["n_layer"]):
        p = f"transformer.h.{i}."
        fc, pr = sd[p + "mlp.c_fc.weight"], sd[p + "mlp.c_proj.weight"]
        flat = torch.cat([fc.reshape(-1), pr.reshape(-1)])
        out[p + "mlp.c_fc.weight"] = flat[: fc.numel()].view(fc.shape)
        out[p + "mlp.c_proj.weight"] = flat[fc.numel() :].view(pr.shape)
        both = torch.stack([sd[p + "ln_1.weight"], sd[p + "ln_1.bias"]])
        out[p + "ln_1.weight"] = both[0]
        out[p + "ln_1.bias"] = both[1]
        big = junk(200)
        big[4 : 4 + 3 * e] = sd[p + "attn.c_attn.bias"]
        out[p + "attn.c_attn.bias"] = big[4 : 4 + 3 * e]

    big = junk(2 * e)
    big[1::2] = sd["transformer.ln_f.weight"]
    out["transformer.ln_f.weight"] = big[1::2]

    bigm = junk(1, 1, n_pos + 2, n_pos + 2, dtype=torch.uint8)
    bigm[:, :, 1 : n_pos + 1, 2 : n_pos + 2] = sd["transformer.h.1.attn.bias"]
    out["transformer.h.1.attn.bias"] = bigm[:, :, 1 : n_pos + 1, 2 : n_pos + 2]

    # keep the original key order (torch.save keeps dict order)
    out = OrderedDict((k, out[k]) for k in sd.keys())
    out._metadata = sd._metadata
    nonc = [k for k, v in out.items() if not v.is_contiguous() or v.storage_offset() != 0]
    assert len(nonc) >= 10, nonc
    return out


def main():
    # ---- tiny-gpt2 (tied) ----
    cfg, model = build(SEED_TIED, tie=True)
    sd = model.hf_state_dict()
    assert "lm_head.weight" not in sd
    d = os.path.join(FIXTURES, "tiny-gpt2")
    os.makedirs(d, exist_ok=True)
    write_json(os.path.join(d, "config.json"), cfg)
    save_zip(sd, os.path.join(d, "pytorch_model.bin"))
    save_zip(sd, os.path.join(d, "pytorch_model.renamed-archive.bin"), archive_name="archive-x")
    save_legacy(sd, os.path.join(d, "pytorch_model.legacy.bin"))
    write_safetensors(os.path.join(d, "model.safetensors"), sorted_for_safetensors(sd))
    noprefix = OrderedDict(
        (k[len("transformer.") :], v)
        for k, v in sd.items()
        if not (k.endswith(".attn.bias") or k.endswith(".attn.masked_bias"))
    )
    write_safetensors(os.path.join(d, "model.no-prefix.safetensors"), sorted_for_safetensors(noprefix))
    for f in ["pytorch_model.bin", "pytorch_model.renamed-archive.bin", "pytorch_model.legacy.bin"]:
        check_same(sd, torch.load(os.path.join(d, f)), f)
    check_same(sorted_for_safetensors(sd), read_safetensors(os.path.join(d, "model.safetensors")), "st")

    # ---- tiny-gpt2-views: same values, awkward storage layout ----
    dv = os.path.join(FIXTURES, "tiny-gpt2-views")
    vsd = make_views_state_dict(sd)
    write_json(os.path.join(dv, "config.json"), cfg)
    save_zip(vsd, os.path.join(dv, "pytorch_model.bin"))
    loaded = torch.load(os.path.join(dv, "pytorch_model.bin"))
    check_same(sd, loaded, "views")
    assert not loaded["transformer.h.1.attn.c_attn.weight"].is_contiguous()
    assert loaded["transformer.wpe.weight"].storage_offset() == 640

    # ---- fp16 / bf16 ----
    def cast(s, dt):
        o = OrderedDict((k, v.to(dt) if v.is_floating_point() else v) for k, v in s.items())
        o._metadata = s._metadata
        return o

    d16 = os.path.join(FIXTURES, "tiny-gpt2-fp16")
    write_json(os.path.join(d16, "config.json"), make_config(**TINY, tie=True, torch_dtype="float16"))
    sd16 = cast(sd, torch.float16)
    save_zip(sd16, os.path.join(d16, "pytorch_model.bin"))
    check_same(sd16, torch.load(os.path.join(d16, "pytorch_model.bin")), "fp16")

    db16 = os.path.join(FIXTURES, "tiny-gpt2-bf16")
    write_json(os.path.join(db16, "config.json"), make_config(**TINY, tie=True, torch_dtype="bfloat16"))
    sdb = cast(sd, torch.bfloat16)
    write_safetensors(os.path.join(db16, "model.safetensors"), sorted_for_safetensors(sdb))
    check_same(sorted_for_safetensors(sdb), read_safetensors(os.path.join(db16, "model.safetensors")), "bf16")

    # ---- tiny-gpt2-untied ----
    cfg_u, model_u = build(SEED_UNTIED, tie=False)
    sdu = model_u.hf_state_dict()
    assert "lm_head.weight" in sdu
    du = os.path.join(FIXTURES, "tiny-gpt2-untied")
    write_json(os.path.join(du, "config.json"), cfg_u)
    save_zip(sdu, os.path.join(du, "pytorch_model.bin"))
    check_same(sdu, torch.load(os.path.join(du, "pytorch_model.bin")), "untied")

    # stale files from older runs (renamed-archive temp file) must not linger
    tmp = os.path.join(d, "archive-x.bin")
    if os.path.exists(tmp):
        os.remove(tmp)
    print("ok")


if __name__ == "__main__":
    main()
