#!/usr/bin/python3
"""export-onnx.py — torch.onnx.export of the plain-torch tiny GPT-2 (gpt2_common.gpt2_forward,
the same code that made reference.json) in the Hugging Face Optimum / transformers.js
"decoder with past" layout, as a reference ONNX graph for @bg-gpt2/convert and
@bg-gpt2/runtime tests.

How: /usr/bin/python3 tooling/gpt2-fixtures/export-onnx.py   (after make-checkpoints.py)
     /usr/bin/python3 tooling/gpt2-fixtures/export-onnx.py CHECKPOINT_FOLDER OUT.onnx   (any other checkpoint)
then verify with onnxruntime-node:  node tooling/gpt2-fixtures/check-onnx.mjs
(onnxruntime is not available to Python here).

Writes packages/convert/fixtures/tiny-gpt2/torch-export/model.onnx (opset 14, one file,
weights as initializers named like the state-dict keys):
  inputs   input_ids                     int64   [batch_size, sequence_length]
           attention_mask                int64   [batch_size, past_sequence_length + sequence_length]
           position_ids                  int64   [batch_size, sequence_length]
           past_key_values.{i}.key/value float32 [batch_size, 4, past_sequence_length, 16]
  outputs  logits                        float32 [batch_size, sequence_length, 1000]
           present.{i}.key/value         float32 [batch_size, 4, past_sequence_length + sequence_length, 16]
Past length 0 (prefill) works: feed past tensors of shape [B, 4, 0, 16].
Masking: key j is visible to query i iff j <= past_len + i and attention_mask[b, j] != 0
(masked scores are replaced by -1e9 before the softmax).
"""

import json
import os
import sys

import onnx
import torch
from torch import nn

sys.dont_write_bytecode = True  # no __pycache__ in the repo
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gpt2_common import FIXTURES, gpt2_forward  # noqa: E402

OPSET = 14


class DecoderWithPast(nn.Module):
    def __init__(self, sd, cfg):
        super().__init__()
        self.cfg = cfg
        self.names = []
        for i, (k, v) in enumerate(sd.items()):
            if not v.is_floating_point() or v.dim() == 0:
                continue  # attn.bias mask / masked_bias are not needed by this forward
            attr = "p%d" % i
            self.register_parameter(attr, nn.Parameter(v.float().contiguous(), requires_grad=False))
            self.names.append((k, attr))

    def forward(self, input_ids, attention_mask, position_ids, *past_flat):
        sd = {k: getattr(self, a) for k, a in self.names}
        n = self.cfg["n_layer"]
        past = [(past_flat[2 * i], past_flat[2 * i + 1]) for i in range(n)]
        logits, presents = gpt2_forward(sd, self.cfg, input_ids, attention_mask, position_ids, past)
        out = [logits]
        for k, v in presents:
            out += [k, v]
        return tuple(out)


def main():
    # Optional: export another checkpoint folder (e.g. the seed-shaped benchmark model):
    #   export-onnx.py CHECKPOINT_FOLDER OUTPUT_FILE
    d = sys.argv[1] if len(sys.argv) > 1 else os.path.join(FIXTURES, "tiny-gpt2")
    cfg = json.load(open(os.path.join(d, "config.json")))
    sd = torch.load(os.path.join(d, "pytorch_model.bin"))
    model = DecoderWithPast(sd, cfg).eval()
    n_layer, n_head = cfg["n_layer"], cfg["n_head"]
    hd = cfg["n_embd"] // n_head

    B, T, P = 2, 3, 4
    g = torch.Generator().manual_seed(0)
    input_ids = torch.randint(0, cfg["vocab_size"], (B, T), generator=g)
    attention_mask = torch.ones(B, P + T, dtype=torch.long)
    position_ids = torch.arange(P, P + T).unsqueeze(0).expand(B, T).contiguous()
    past = []
    for _ in range(n_layer):
        past += [torch.randn(B, n_head, P, hd, generator=g), torch.randn(B, n_head, P, hd, generator=g)]

    in_names = ["input_ids", "attention_mask", "position_ids"]
    out_names = ["logits"]
    dyn = {
        "input_ids": {0: "batch_size", 1: "sequence_length"},
        "attention_mask": {0: "batch_size", 1: "past_sequence_length + sequence_length"},
        "position_ids": {0: "batch_size", 1: "sequence_length"},
        "logits": {0: "batch_size", 1: "sequence_length"},
    }
    for i in range(n_layer):
        for kv in ("key", "value"):
            nm = f"past_key_values.{i}.{kv}"
            in_names.append(nm)
            dyn[nm] = {0: "batch_size", 2: "past_sequence_length"}
            om = f"present.{i}.{kv}"
            out_names.append(om)
            dyn[om] = {0: "batch_size", 2: "past_sequence_length + sequence_length"}

    path = sys.argv[2] if len(sys.argv) > 2 else os.path.join(d, "torch-export", "model.onnx")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with torch.no_grad():
        torch.onnx.export(
            model,
            (input_ids, attention_mask, position_ids, *past),
            path,
            input_names=in_names,
            output_names=out_names,
            dynamic_axes=dyn,
            opset_version=OPSET,
            do_constant_folding=True,
            export_params=True,
        )

    m = onnx.load(path)
    onnx.checker.check_model(m)
    # rename the initializers from p<i> to the state-dict key they hold (readability only)
    ren = {("p%d" % i): k for i, k in enumerate(sd.keys())}
    for init in m.graph.initializer:
        if init.name in ren:
            old = init.name
            init.name = ren[old]
            for node in m.graph.node:
                for j, x in enumerate(node.input):
                    if x == old:
                        node.input[j] = init.name
    m.producer_name = "bg-gpt2 tooling/gpt2-fixtures/export-onnx.py (torch %s)" % torch.__version__
    onnx.checker.check_model(m)
    onnx.save(m, path)
    ins = [(i.name, [dd.dim_param or dd.dim_value for dd in i.type.tensor_type.shape.dim]) for i in m.graph.input]
    outs = [(o.name, [dd.dim_param or dd.dim_value for dd in o.type.tensor_type.shape.dim]) for o in m.graph.output]
    print("inputs", ins)
    print("outputs", outs)
    print("initializers", sorted(i.name for i in m.graph.initializer)[:5], "...")
    print("ops", sorted({n.op_type for n in m.graph.node}))
    print("wrote", path, os.path.getsize(path))


if __name__ == "__main__":
    main()
