#!/usr/bin/python3
"""quantize-matmul-4bits.py — the 4-bit model transformers.js ships as `onnx/model_q4.onnx`
(dtype 'q4'), made without Python onnxruntime (which Debian does not package).

transformers.js makes that file with onnxruntime's `MatMul4BitsQuantizer` (`scripts/quantize.py`,
mode q4: block size 32, symmetric, accuracy level left unset). Its default rewrite, written here
from onnxruntime's documented behaviour with python3-onnx and numpy:

  MatMul(x, W) with W a 2-D float initializer [K, N]
      → com.microsoft.MatMulNBits(x, W_q, scales)   bits 4, block_size, K, N
    W is cut along K into blocks of block_size (K padded with zeros to a whole block) for each
    output column n. Symmetric: the block's value of largest magnitude v maps to code 0, so
    scale = v / -8 and code = clamp(round(w / scale) + 8, 0, 15) (the zero point 8 is
    MatMulNBits's default, so there is no zero-point input). W_q is uint8 [N, blocks, block_size
    / 2], two codes per byte, the even position in the low nibble; scales float32 [N · blocks].
  Everything else (the embedding Gathers, the attention's products of two activations) stays.

Rounding is half away from zero (C's roundf). The benchmark needs the layout and the operator,
not bit-identical codes: the seed-shaped model's weights are random.

How (the benchmark's transformers.js q4 model, next to its fp32 export):
  /usr/bin/python3 tooling/gpt2-fixtures/quantize-matmul-4bits.py \\
      bench/.data/seed-shaped-transformersjs/onnx/model.onnx \\
      bench/.data/seed-shaped-transformersjs/onnx/model_q4.onnx
Options: --block-size N (default 32), --accuracy-level N (default: unset, as transformers.js).
"""

import argparse
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

MICROSOFT = "com.microsoft"


def round_half_away(values):
    return np.sign(values) * np.floor(np.abs(values) + 0.5)


def quantize_blockwise(weight, block_size):
    """W [K, N] float32 → (codes uint8 [N, blocks, block_size / 2], scales float32 [N · blocks])."""
    rows, columns = weight.shape
    blocks = (rows + block_size - 1) // block_size
    padded = np.zeros((blocks * block_size, columns), dtype=np.float32)
    padded[:rows] = weight
    # [N, blocks, block_size]: each output column's blocks along K.
    grouped = padded.T.reshape(columns, blocks, block_size)
    largest = np.take_along_axis(
        grouped, np.abs(grouped).argmax(axis=2)[:, :, None], axis=2
    )[:, :, 0]
    scales = (largest / -8.0).astype(np.float32)
    reciprocal = np.where(scales != 0, 1.0 / np.where(scales != 0, scales, 1.0), 0.0)
    codes = np.clip(round_half_away(grouped * reciprocal[:, :, None]) + 8, 0, 15).astype(np.uint8)
    packed = (codes[:, :, 0::2] | (codes[:, :, 1::2] << 4)).astype(np.uint8)
    return packed, scales.reshape(-1)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("input")
    parser.add_argument("output")
    parser.add_argument("--block-size", type=int, default=32)
    parser.add_argument("--accuracy-level", type=int, default=None)
    arguments = parser.parse_args()
    if arguments.block_size < 16 or arguments.block_size & (arguments.block_size - 1):
        sys.exit("--block-size must be a power of two, at least 16")

    model = onnx.load(arguments.input)
    graph = model.graph
    initializers = {tensor.name: tensor for tensor in graph.initializer}
    replaced = set()
    nodes = []
    added = []
    for node in graph.node:
        weight = initializers.get(node.input[1]) if node.op_type == "MatMul" else None
        if weight is None or weight.data_type != TensorProto.FLOAT or len(weight.dims) != 2:
            nodes.append(node)
            continue
        rows, columns = weight.dims
        packed, scales = quantize_blockwise(numpy_helper.to_array(weight), arguments.block_size)
        base = node.name or node.output[0]
        added.append(numpy_helper.from_array(packed, f"{weight.name}_Q4"))
        added.append(numpy_helper.from_array(scales, f"{weight.name}_scales"))
        attributes = {"K": rows, "N": columns, "bits": 4, "block_size": arguments.block_size}
        if arguments.accuracy_level is not None:
            attributes["accuracy_level"] = arguments.accuracy_level
        nodes.append(
            helper.make_node(
                "MatMulNBits",
                [node.input[0], f"{weight.name}_Q4", f"{weight.name}_scales"],
                list(node.output),
                name=f"{base}_Q4",
                domain=MICROSOFT,
                **attributes,
            )
        )
        replaced.add(weight.name)
    still_used = {name for node in nodes for name in node.input}
    kept = [tensor for tensor in graph.initializer if tensor.name in still_used]
    del graph.node[:]
    graph.node.extend(nodes)
    del graph.initializer[:]
    graph.initializer.extend(kept + added)
    if not any(entry.domain == MICROSOFT for entry in model.opset_import):
        model.opset_import.append(helper.make_opsetid(MICROSOFT, 1))

    temporary = f"{arguments.output}.{os.getpid()}.part"
    onnx.save(model, temporary)
    os.replace(temporary, arguments.output)
    print(
        f"{arguments.output}: {len(replaced)} MatMul weights → MatMulNBits (4 bits, blocks of "
        f"{arguments.block_size}, accuracy level {arguments.accuracy_level or 'unset'}), "
        f"{os.path.getsize(arguments.output) / 1e6:.1f} MB"
    )


if __name__ == "__main__":
    main()
