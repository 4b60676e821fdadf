"""Shared helpers for the @bg-gpt2 GPT-2 golden-fixture scripts (tooling only, never shipped).

- TinyGPT2: an nn.Module tree whose state_dict() has exactly the Hugging Face
  GPT2LMHeadModel key layout (transformer.wte/wpe/h.N.{ln_1,attn,ln_2,mlp}/ln_f, Conv1D
  weights stored [in, out], per-layer buffers attn.bias (uint8 causal mask) and
  attn.masked_bias (-1e4 scalar)). lm_head is tied to wte unless tie_word_embeddings=False.
- gpt2_forward(): a plain-torch GPT-2 forward written from the GPT-2 definition, working
  directly on a state dict (float32), with attention_mask (padding), position_ids and a
  KV cache. It is used both for the reference logits and (wrapped) for the ONNX export.
- write_safetensors(): the safetensors format written by hand (the package is not
  installable here): u64-LE header length, JSON header, raw little-endian data.

Run with Debian's /usr/bin/python3 (torch 1.13, numpy).
"""

import json
import math
import os
import struct
from collections import OrderedDict

import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
FIXTURES = os.path.join(REPO, "packages", "convert", "fixtures")

TINY = dict(n_layer=2, n_embd=64, n_head=4, n_positions=128, vocab_size=1000)


def make_config(n_layer, n_embd, n_head, n_positions, vocab_size, tie=True, torch_dtype="float32",
                bos=None, eos=None):
    """config.json in the shape Hugging Face writes for GPT2LMHeadModel."""
    bos = vocab_size - 1 if bos is None else bos
    eos = vocab_size - 1 if eos is None else eos
    cfg = OrderedDict(
        [
            ("activation_function", "gelu_new"),
            ("architectures", ["GPT2LMHeadModel"]),
            ("attn_pdrop", 0.1),
            ("bos_token_id", bos),
            ("embd_pdrop", 0.1),
            ("eos_token_id", eos),
            ("initializer_range", 0.02),
            ("layer_norm_epsilon", 1e-05),
            ("model_type", "gpt2"),
            ("n_ctx", n_positions),
            ("n_embd", n_embd),
            ("n_head", n_head),
            ("n_inner", None),
            ("n_layer", n_layer),
            ("n_positions", n_positions),
            ("reorder_and_upcast_attn", False),
            ("resid_pdrop", 0.1),
            ("scale_attn_by_inverse_layer_idx", False),
            ("scale_attn_weights", True),
            ("summary_activation", None),
            ("summary_first_dropout", 0.1),
            ("summary_proj_to_labels", True),
            ("summary_type", "cls_index"),
            ("summary_use_proj", True),
            ("tie_word_embeddings", tie),
            ("torch_dtype", torch_dtype),
            ("transformers_version", "4.26.1"),
            ("use_cache", True),
            ("vocab_size", vocab_size),
        ]
    )
    return cfg


def write_json(path, obj, indent=2):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=indent)
        f.write("\n")


# ---------------------------------------------------------------------------------------
# Module tree with the HF key layout (only used to get an HF-shaped state_dict, including
# the OrderedDict `_metadata` attribute that torch.save pickles via BUILD).
# ---------------------------------------------------------------------------------------


class Conv1D(nn.Module):
    def __init__(self, nf, nx):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(nx, nf))  # [in, out] like HF Conv1D
        self.bias = nn.Parameter(torch.empty(nf))


class Attn(nn.Module):
    def __init__(self, n_embd, n_positions):
        super().__init__()
        mask = torch.tril(torch.ones((n_positions, n_positions), dtype=torch.uint8))
        self.register_buffer("bias", mask.view(1, 1, n_positions, n_positions))
        self.register_buffer("masked_bias", torch.tensor(-1e4))
        self.c_attn = Conv1D(3 * n_embd, n_embd)
        self.c_proj = Conv1D(n_embd, n_embd)


class MLP(nn.Module):
    def __init__(self, n_embd):
        super().__init__()
        self.c_fc = Conv1D(4 * n_embd, n_embd)
        self.c_proj = Conv1D(n_embd, 4 * n_embd)


class Block(nn.Module):
    def __init__(self, n_embd, n_positions, eps):
        super().__init__()
        self.ln_1 = nn.LayerNorm(n_embd, eps=eps)
        self.attn = Attn(n_embd, n_positions)
        self.ln_2 = nn.LayerNorm(n_embd, eps=eps)
        self.mlp = MLP(n_embd)


class Transformer(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        e = cfg["n_embd"]
        self.wte = nn.Embedding(cfg["vocab_size"], e)
        self.wpe = nn.Embedding(cfg["n_positions"], e)
        self.h = nn.ModuleList(
            [Block(e, cfg["n_positions"], cfg["layer_norm_epsilon"]) for _ in range(cfg["n_layer"])]
        )
        self.ln_f = nn.LayerNorm(e, eps=cfg["layer_norm_epsilon"])


class TinyGPT2(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.transformer = Transformer(cfg)
        self.lm_head = nn.Linear(cfg["n_embd"], cfg["vocab_size"], bias=False)
        if cfg["tie_word_embeddings"]:
            self.lm_head.weight = self.transformer.wte.weight

    @torch.no_grad()
    def init_random(self, emb_std=0.02, block_std=0.2):
        """Random init, GPT-2-like but tuned so that a tiny random model is a good test:
        wte / wpe / lm_head ~ N(0, 0.02) (GPT-2's initializer_range); c_attn / c_proj / c_fc
        weights ~ N(0, 0.2) (10x GPT-2's, otherwise the tied model just repeats its input
        token and greedy decoding is degenerate); linear biases ~ N(0, 0.03); LayerNorm
        weights 1 + N(0, 0.2), LayerNorm biases ~ N(0, 0.02). Non-zero biases and non-unit
        LayerNorm weights make a dropped / swapped / transposed parameter visible in the
        logits (reference.py asserts this for every tensor)."""
        for name, p in self.named_parameters():
            if name.endswith("ln_1.weight") or name.endswith("ln_2.weight") or name.endswith("ln_f.weight"):
                p.copy_(1.0 + 0.2 * torch.randn_like(p))
            elif ".ln_" in name and name.endswith(".bias"):
                p.copy_(0.02 * torch.randn_like(p))
            elif name.endswith(".bias"):
                p.copy_(0.03 * torch.randn_like(p))
            elif "wte" in name or "wpe" in name or "lm_head" in name:
                p.normal_(0.0, emb_std)
            else:
                p.normal_(0.0, block_std)

    def hf_state_dict(self):
        """state_dict() as HF saves it: lm_head.weight dropped when tied."""
        sd = self.state_dict()
        if self.lm_head.weight is self.transformer.wte.weight:
            del sd["lm_head.weight"]
        return sd


# ---------------------------------------------------------------------------------------
# Plain-torch GPT-2 forward on a state dict.
# ---------------------------------------------------------------------------------------


def gelu_new(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


def layer_norm(x, w, b, eps):
    mu = x.mean(-1, keepdim=True)
    var = ((x - mu) ** 2).mean(-1, keepdim=True)
    return (x - mu) / torch.sqrt(var + eps) * w + b


def to_f32_state(sd):
    """float32, contiguous copies of every tensor (upcasts fp16 / bf16 checkpoints)."""
    out = {}
    for k, v in sd.items():
        out[k] = v.to(torch.float32).contiguous() if v.is_floating_point() else v
    return out


def gpt2_forward(sd, cfg, input_ids, attention_mask=None, position_ids=None, past=None):
    """input_ids [B, T] int64; attention_mask [B, P+T] (1 = keep, 0 = pad) or None;
    position_ids [B, T] or None (then P..P+T-1); past = list of (k, v) [B, H, P, D] or None.
    Returns (logits [B, T, V], presents list of (k, v) [B, H, P+T, D])."""
    n_layer, n_head, e = cfg["n_layer"], cfg["n_head"], cfg["n_embd"]
    eps = cfg["layer_norm_epsilon"]
    d = e // n_head
    B, T = input_ids.shape
    P = 0 if past is None else past[0][0].shape[2]
    if position_ids is None:
        position_ids = torch.arange(P, P + T, dtype=torch.long).unsqueeze(0).expand(B, T)
    if attention_mask is None:
        attention_mask = torch.ones(B, P + T, dtype=torch.long)
    x = sd["transformer.wte.weight"][input_ids] + sd["transformer.wpe.weight"][position_ids]

    # allowed[b, 1, i, j] = causal (j <= P + i) and key j not padding
    qpos = torch.arange(T).unsqueeze(1) + P
    kpos = torch.arange(P + T).unsqueeze(0)
    causal = (kpos <= qpos).view(1, 1, T, P + T)
    keep = (attention_mask != 0).view(B, 1, 1, P + T)
    allowed = causal & keep
    neg = torch.tensor(-1e9, dtype=torch.float32)

    presents = []
    for i in range(n_layer):
        p = f"transformer.h.{i}."
        h = layer_norm(x, sd[p + "ln_1.weight"], sd[p + "ln_1.bias"], eps)
        qkv = h @ sd[p + "attn.c_attn.weight"] + sd[p + "attn.c_attn.bias"]
        q, k, v = qkv.split(e, dim=2)
        q = q.view(B, T, n_head, d).transpose(1, 2)
        k = k.view(B, T, n_head, d).transpose(1, 2)
        v = v.view(B, T, n_head, d).transpose(1, 2)
        if past is not None:
            k = torch.cat([past[i][0], k], dim=2)
            v = torch.cat([past[i][1], v], dim=2)
        presents.append((k, v))
        scores = (q @ k.transpose(-1, -2)) / math.sqrt(d)
        scores = torch.where(allowed, scores, neg)
        probs = torch.softmax(scores, dim=-1)
        a = (probs @ v).transpose(1, 2).reshape(B, T, e)
        a = a @ sd[p + "attn.c_proj.weight"] + sd[p + "attn.c_proj.bias"]
        x = x + a
        h = layer_norm(x, sd[p + "ln_2.weight"], sd[p + "ln_2.bias"], eps)
        h = gelu_new(h @ sd[p + "mlp.c_fc.weight"] + sd[p + "mlp.c_fc.bias"])
        h = h @ sd[p + "mlp.c_proj.weight"] + sd[p + "mlp.c_proj.bias"]
        x = x + h
    x = layer_norm(x, sd["transformer.ln_f.weight"], sd["transformer.ln_f.bias"], eps)
    head = sd["lm_head.weight"] if "lm_head.weight" in sd else sd["transformer.wte.weight"]
    logits = x @ head.t()
    return logits, presents


# ---------------------------------------------------------------------------------------
# safetensors writer
# ---------------------------------------------------------------------------------------

ST_DTYPES = {
    torch.float32: ("F32", None),
    torch.float16: ("F16", None),
    torch.bfloat16: ("BF16", torch.int16),
    torch.uint8: ("U8", None),
    torch.int64: ("I64", None),
    torch.int32: ("I32", None),
    torch.bool: ("BOOL", None),
}


def tensor_bytes(t):
    name, view_as = ST_DTYPES[t.dtype]
    t = t.contiguous()
    if view_as is not None:
        t = t.view(view_as)
    return t.numpy().tobytes()  # numpy on x86/arm64 = little-endian


def safetensors_bytes(tensors, metadata=None):
    """tensors: ordered mapping name -> tensor. Data is laid out in the given order."""
    header = OrderedDict()
    if metadata is not None:
        header["__metadata__"] = metadata
    blobs = []
    off = 0
    for name, t in tensors.items():
        b = tensor_bytes(t)
        header[name] = OrderedDict(
            [("dtype", ST_DTYPES[t.dtype][0]), ("shape", list(t.shape)), ("data_offsets", [off, off + len(b)])]
        )
        blobs.append(b)
        off += len(b)
    hj = json.dumps(header, separators=(",", ":")).encode("utf-8")
    hj += b" " * ((8 - len(hj) % 8) % 8)  # pad with spaces to 8-byte alignment, like the Rust crate
    return struct.pack("<Q", len(hj)) + hj + b"".join(blobs)


def write_safetensors(path, tensors, metadata=None):
    if metadata is None:
        metadata = {"format": "pt"}
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(safetensors_bytes(tensors, metadata))


def read_safetensors(path):
    """Minimal reader used to self-check what write_safetensors produced."""
    import numpy as np

    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n])
    header.pop("__metadata__", None)
    base = 8 + n
    npd = {"F32": np.float32, "F16": np.float16, "U8": np.uint8, "I64": np.int64, "BF16": np.int16}
    out = OrderedDict()
    for k, m in header.items():
        b, e = m["data_offsets"]
        arr = np.frombuffer(raw[base + b : base + e], dtype=npd[m["dtype"]]).copy().reshape(m["shape"])
        t = torch.from_numpy(arr)
        if m["dtype"] == "BF16":
            t = t.view(torch.bfloat16)
        out[k] = t
    return out


def sorted_for_safetensors(sd):
    """Sort keys by name (stable, deterministic). The real crate sorts by dtype alignment,
    then name; readers must only rely on data_offsets."""
    return OrderedDict((k, sd[k]) for k in sorted(sd.keys()))
