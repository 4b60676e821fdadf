#!/usr/bin/python3
"""quantize-dynamic.py — the int8 model transformers.js ships as `onnx/model_quantized.onnx`
(dtype 'q8'), made without Python onnxruntime (which Debian does not package).

transformers.js makes that file with onnxruntime's dynamic quantizer (`scripts/quantize.py`:
`ONNXQuantizer` in `QuantizationMode.IntegerOps`, `static=False`, activations `QUInt8`,
extra options `MatMulConstBOnly`, every op type of `IntegerOpsRegistry`), and its
`scripts/convert.py` turns per-channel and reduce-range off for GPT-2 (the model type is in
`NO_PER_CHANNEL_REDUCE_RANGE_MODELS`). The weight type is `QInt8` unless the graph has a Conv,
GroupQueryAttention or MultiHeadAttention node (then `QUInt8`). This script applies the same
rewrite, written from onnxruntime's documented behaviour with python3-onnx and numpy:

  MatMul(x, W) with W a float initializer
      → DynamicQuantizeLinear(x) = (x_q uint8, x_scale, x_zero_point)
        MatMulInteger(x_q, W_q, x_zero_point, W_zero_point) → int32
        Cast(float) · (x_scale · W_scale)                     (ONNX Runtime fuses these at load)
    W_q: int8 symmetric, one scale for the whole tensor (qmin/qmax ±127, zero point 0);
    with --per-channel one scale per output column; with --reduce-range 7 bits (±64).
  Gather(T, ids) with T a float initializer (the token and position embeddings)
      → Gather(T_q, ids) then DequantizeLinear(·, T_scale, T_zero_point)
    T_q: uint8 (the activation type) asymmetric per tensor: rmin = min(T, 0), rmax = max(T, 0),
    scale = (rmax − rmin) / 255, zero point = round(−rmin / scale).
  MatMuls of two activations (attention scores), Transposes of float values and everything
  else stay as they are. An activation that feeds several quantized MatMuls is quantized once.

Rounding is numpy's (half to even), as in onnxruntime's `quantize_nparray`.

How (the benchmark's transformers.js q8 model, next to its fp32 export):
  /usr/bin/python3 tooling/gpt2-fixtures/quantize-dynamic.py \\
      bench/.data/seed-shaped-transformersjs/onnx/model.onnx \\
      bench/.data/seed-shaped-transformersjs/onnx/model_quantized.onnx
Options: --per-channel, --reduce-range (transformers.js's settings for other model types),
--weight-type int8|uint8 (default: chosen from the graph, as transformers.js does).
"""

import argparse
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

# Op types whose presence makes transformers.js quantize weights to uint8 (its QUINT8_OPS).
UINT8_WEIGHT_OPS = {"Conv", "GroupQueryAttention", "MultiHeadAttention"}


def quantization_range(data_type, symmetric, reduce_range):
    """(qmin, qmax) of onnxruntime's dynamic quantizer for int8 / uint8."""
    if data_type == TensorProto.UINT8:
        return (0, 127) if reduce_range else (0, 255)
    if reduce_range:
        return (-64, 64)
    return (-127, 127) if symmetric else (-128, 127)


def scale_and_zero_point(low, high, data_type, symmetric, reduce_range):
    """Scale and zero point mapping [min(low, 0), max(high, 0)] onto the quantized range."""
    qmin, qmax = quantization_range(data_type, symmetric, reduce_range)
    low = np.minimum(low, 0.0).astype(np.float64)
    high = np.maximum(high, 0.0).astype(np.float64)
    if symmetric:
        bound = np.maximum(np.abs(low), np.abs(high))
        low, high = -bound, bound
    spread = high - low
    scale = np.where(spread > 0, spread / (qmax - qmin), 1.0)
    if symmetric:
        zero_point = np.full_like(scale, np.round((qmin + qmax) / 2.0))
    else:
        zero_point = np.round(qmin - low / scale)
    return scale.astype(np.float32), zero_point


def quantize_values(values, scale, zero_point, data_type):
    """round(values / scale) + zero point, clipped to the integer type."""
    numpy_type = np.uint8 if data_type == TensorProto.UINT8 else np.int8
    info = np.iinfo(numpy_type)
    quantized = np.round(values.astype(np.float32) / scale) + zero_point
    return np.clip(quantized, info.min, info.max).astype(numpy_type)


class DynamicQuantizer:
    def __init__(self, model, weight_type, per_channel, reduce_range):
        self.model = model
        self.graph = model.graph
        self.weight_type = weight_type
        self.per_channel = per_channel
        self.reduce_range = reduce_range
        self.initializers = {tensor.name: tensor for tensor in self.graph.initializer}
        self.new_initializers = []
        self.quantized_weights = {}  # (name, kind) -> (values, scale, zero point) names
        self.quantized_activations = {}  # activation name -> DynamicQuantizeLinear outputs
        self.counts = {"MatMul": 0, "Gather": 0}

    def float_initializer(self, name):
        tensor = self.initializers.get(name)
        if tensor is None or tensor.data_type != TensorProto.FLOAT:
            return None
        return tensor

    def add_initializer(self, name, array, data_type=None):
        if data_type is None:
            tensor = numpy_helper.from_array(array, name)
        else:
            tensor = helper.make_tensor(name, data_type, array.shape, array.flatten().tolist())
        self.new_initializers.append(tensor)
        return name

    def quantize_matmul_weight(self, tensor):
        key = (tensor.name, "matmul")
        if key in self.quantized_weights:
            return self.quantized_weights[key]
        weight = numpy_helper.to_array(tensor)
        symmetric = self.weight_type == TensorProto.INT8
        if self.per_channel:
            # One scale per output column (the last axis of MatMul's B).
            low, high = weight.min(axis=0), weight.max(axis=0)
        else:
            low, high = np.array(weight.min()), np.array(weight.max())
        scale, zero_point = scale_and_zero_point(
            low, high, self.weight_type, symmetric, self.reduce_range
        )
        values = quantize_values(weight, scale, zero_point, self.weight_type)
        zero_type = np.uint8 if self.weight_type == TensorProto.UINT8 else np.int8
        names = (
            self.add_initializer(f"{tensor.name}_quantized", values),
            self.add_initializer(f"{tensor.name}_scale", scale),
            self.add_initializer(f"{tensor.name}_zero_point", zero_point.astype(zero_type)),
        )
        self.quantized_weights[key] = names
        return names

    def quantize_table(self, tensor):
        key = (tensor.name, "gather")
        if key in self.quantized_weights:
            return self.quantized_weights[key]
        table = numpy_helper.to_array(tensor)
        # The activation type (uint8), asymmetric, never reduced in range, one scale per tensor.
        scale, zero_point = scale_and_zero_point(
            np.array(table.min()), np.array(table.max()), TensorProto.UINT8, False, False
        )
        values = quantize_values(table, scale, zero_point, TensorProto.UINT8)
        names = (
            self.add_initializer(f"{tensor.name}_quantized", values),
            self.add_initializer(f"{tensor.name}_scale", scale),
            self.add_initializer(f"{tensor.name}_zero_point", zero_point.astype(np.uint8)),
        )
        self.quantized_weights[key] = names
        return names

    def quantize_activation(self, name, nodes):
        if name not in self.quantized_activations:
            outputs = [f"{name}_quantized", f"{name}_scale", f"{name}_zero_point"]
            nodes.append(
                helper.make_node(
                    "DynamicQuantizeLinear", [name], outputs, name=f"{name}_QuantizeLinear"
                )
            )
            self.quantized_activations[name] = outputs
        return self.quantized_activations[name]

    def rewrite_matmul(self, node, weight):
        nodes = []
        x_values, x_scale, x_zero_point = self.quantize_activation(node.input[0], nodes)
        w_values, w_scale, w_zero_point = self.quantize_matmul_weight(weight)
        base = node.name or node.output[0]
        integer = f"{node.output[0]}_output_quantized"
        nodes.append(
            helper.make_node(
                "MatMulInteger",
                [x_values, w_values, x_zero_point, w_zero_point],
                [integer],
                name=f"{base}_quant",
            )
        )
        as_float = f"{integer}_cast_output"
        nodes.append(
            helper.make_node(
                "Cast", [integer], [as_float], name=f"{integer}_cast", to=TensorProto.FLOAT
            )
        )
        scales = f"{base}_quant_scales_mul:0"
        nodes.append(
            helper.make_node("Mul", [x_scale, w_scale], [scales], name=f"{base}_quant_scales_mul")
        )
        nodes.append(
            helper.make_node(
                "Mul", [as_float, scales], [node.output[0]], name=f"{base}_quant_output_scale_mul"
            )
        )
        self.counts["MatMul"] += 1
        return nodes

    def rewrite_gather(self, node, table):
        values, scale, zero_point = self.quantize_table(table)
        quantized = f"{node.output[0]}_quantized"
        gather = helper.make_node(
            "Gather",
            [values, node.input[1]],
            [quantized],
            name=node.name,
        )
        gather.attribute.extend(node.attribute)
        dequantize = helper.make_node(
            "DequantizeLinear",
            [quantized, scale, zero_point],
            [node.output[0]],
            name=f"{node.output[0]}_DequantizeLinear",
        )
        self.counts["Gather"] += 1
        return [gather, dequantize]

    def run(self):
        rewritten = []
        for node in self.graph.node:
            if node.domain not in ("", "ai.onnx"):
                rewritten.append(node)
                continue
            if node.op_type == "MatMul" and len(node.input) == 2:
                weight = self.float_initializer(node.input[1])
                if weight is not None and self.float_initializer(node.input[0]) is None:
                    rewritten.extend(self.rewrite_matmul(node, weight))
                    continue
            if node.op_type == "Gather":
                table = self.float_initializer(node.input[0])
                if table is not None:
                    rewritten.extend(self.rewrite_gather(node, table))
                    continue
            rewritten.append(node)
        del self.graph.node[:]
        self.graph.node.extend(rewritten)
        # Drop the float initializers nothing reads any more; add the quantized ones.
        used = {name for node in self.graph.node for name in node.input}
        used.update(output.name for output in self.graph.output)
        kept = [tensor for tensor in self.graph.initializer if tensor.name in used]
        del self.graph.initializer[:]
        self.graph.initializer.extend(kept + self.new_initializers)
        # DynamicQuantizeLinear needs opset 11.
        for opset in self.model.opset_import:
            if opset.domain in ("", "ai.onnx") and opset.version < 11:
                opset.version = 11
        return self.counts


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("input")
    parser.add_argument("output")
    parser.add_argument("--per-channel", action="store_true")
    parser.add_argument("--reduce-range", action="store_true")
    parser.add_argument("--weight-type", choices=["int8", "uint8"])
    arguments = parser.parse_args()

    model = onnx.load(arguments.input)
    if arguments.weight_type is None:
        op_types = {node.op_type for node in model.graph.node}
        weight_type = TensorProto.UINT8 if op_types & UINT8_WEIGHT_OPS else TensorProto.INT8
    else:
        weight_type = TensorProto.UINT8 if arguments.weight_type == "uint8" else TensorProto.INT8
    counts = DynamicQuantizer(
        model, weight_type, arguments.per_channel, arguments.reduce_range
    ).run()
    onnx.checker.check_model(model)
    os.makedirs(os.path.dirname(os.path.abspath(arguments.output)), exist_ok=True)
    onnx.save(model, arguments.output)
    print(
        f"{arguments.output}: {counts['MatMul']} MatMul → MatMulInteger, "
        f"{counts['Gather']} Gather tables as uint8, weights "
        f"{'uint8' if weight_type == TensorProto.UINT8 else 'int8'}"
        f"{' per channel' if arguments.per_channel else ' per tensor'}"
        f"{', reduced range' if arguments.reduce_range else ''}; "
        f"{os.path.getsize(arguments.output) / 1e6:.1f} MB",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
