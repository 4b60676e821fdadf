#!/usr/bin/python3
"""make-hostile.py — hostile and broken checkpoint files for the @bg-gpt2/convert safe
unpickler / safetensors reader tests. Every pickle here is assembled BYTE BY BYTE from pickle
opcodes; nothing is ever unpickled or torch.load-ed (doing so would run the payload).

How: /usr/bin/python3 tooling/gpt2-fixtures/make-hostile.py   (after make-checkpoints.py,
whose tiny-gpt2/pytorch_model.bin is cut in half for truncated.bin). Deterministic.
Writes packages/convert/fixtures/hostile/* and hostile/README.md (what each file is).

The "payload" commands are harmless (`touch /tmp/bg-gpt2-pwned`), so a test can also assert
that file does not exist afterwards — but no test may ever feed these to a real unpickler.
"""

import os
import random
import struct
import sys
import zipfile

sys.dont_write_bytecode = True  # no __pycache__ in the repo
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gpt2_common import FIXTURES, safetensors_bytes  # noqa: E402

OUT = os.path.join(FIXTURES, "hostile")
PWN = "touch /tmp/bg-gpt2-pwned"

# ---------------------------------------------------------------- pickle opcode assembler


def PROTO(n):
    return b"\x80" + bytes([n])


def GLOBAL(mod, name):
    return b"c" + mod.encode() + b"\n" + name.encode() + b"\n"


def STR(s):
    b = s.encode("utf-8")
    return b"X" + struct.pack("<I", len(b)) + b


def SHORT_STR(s):  # SHORT_BINUNICODE (protocol 4)
    b = s.encode("utf-8")
    return b"\x8c" + bytes([len(b)]) + b


def INT(n):
    if 0 <= n < 256:
        return b"K" + bytes([n])
    if 0 <= n < 65536:
        return b"M" + struct.pack("<H", n)
    if -(2**31) <= n < 2**31:
        return b"J" + struct.pack("<i", n)
    nb = (n.bit_length() + 8) // 8
    return b"\x8a" + bytes([nb]) + n.to_bytes(nb, "little", signed=True)  # LONG1


MARK, TUPLE, EMPTY_TUPLE, REDUCE, STOP = b"(", b"t", b")", b"R", b"."
SETITEM, SETITEMS, BINPERSID, NEWFALSE, EMPTY_DICT = b"s", b"u", b"Q", b"\x89", b"}"
TUPLE1, STACK_GLOBAL, FRAME = b"\x85", b"\x93", b"\x95"


def tup(*items):
    return MARK + b"".join(items) + TUPLE


def tensor_pickle(storage_cls, key, numel, offset, size, stride):
    """_rebuild_tensor_v2(persistent_load(('storage', cls, key, 'cpu', numel)), offset, size,
    stride, False, OrderedDict()) — exactly the shape torch.save emits."""
    pid = tup(STR("storage"), GLOBAL("torch", storage_cls), STR(key), STR("cpu"), INT(numel)) + BINPERSID
    return (
        GLOBAL("torch._utils", "_rebuild_tensor_v2")
        + tup(
            pid,
            INT(offset),
            tup(*[INT(s) for s in size]),
            tup(*[INT(s) for s in stride]),
            NEWFALSE,
            GLOBAL("collections", "OrderedDict") + EMPTY_TUPLE + REDUCE,
        )
        + REDUCE
    )


def state_dict_pickle(entries):
    """entries: list of (key, value-bytes). OrderedDict() then SETITEMS."""
    body = b"".join(STR(k) + v for k, v in entries)
    return PROTO(2) + GLOBAL("collections", "OrderedDict") + EMPTY_TUPLE + REDUCE + MARK + body + SETITEMS + STOP


def call(mod, name, arg):
    return GLOBAL(mod, name) + STR(arg) + TUPLE1 + REDUCE


# ---------------------------------------------------------------- containers


def torch_zip(path, pkl, records, folder="archive"):
    """A torch zip checkpoint: <folder>/data.pkl, <folder>/data/<key>, <folder>/version."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as z:

        def put(name, data):
            zi = zipfile.ZipInfo(f"{folder}/{name}", date_time=(1980, 1, 1, 0, 0, 0))
            zi.compress_type = zipfile.ZIP_STORED
            z.writestr(zi, data)

        put("data.pkl", pkl)
        for k, data in records.items():
            put(f"data/{k}", data)
        put("version", b"3\n")


def legacy(path, main_pickle, keys, storages):
    """Legacy (non-zip) torch.save: magic pickle, protocol pickle, sys_info pickle, the object
    pickle, the storage-key list pickle, then per storage: u64 numel + raw data."""
    magic = PROTO(2) + INT(0x1950A86A20F9469CFC6C) + STOP
    proto = PROTO(2) + INT(1001) + STOP
    sysinfo = (
        PROTO(2)
        + EMPTY_DICT
        + MARK
        + STR("protocol_version")
        + INT(1001)
        + STR("little_endian")
        + b"\x88"
        + STR("type_sizes")
        + EMPTY_DICT
        + MARK
        + STR("short")
        + INT(2)
        + STR("int")
        + INT(4)
        + STR("long")
        + INT(4)
        + SETITEMS
        + SETITEMS
        + STOP
    )
    keylist = PROTO(2) + b"]" + MARK + b"".join(STR(k) for k in keys) + b"e" + STOP
    data = b""
    for numel, raw in storages:
        data += struct.pack("<Q", numel) + raw
    with open(path, "wb") as f:
        f.write(magic + proto + sysinfo + main_pickle + keylist + data)


def f32(*vals):
    return struct.pack("<%df" % len(vals), *vals)


def main():
    os.makedirs(OUT, exist_ok=True)
    four = f32(1.0, 2.0, 3.0, 4.0)
    ok_tensor = tensor_pickle("FloatStorage", "0", 4, 0, [4], [1])
    files = {}

    # 1. os.system via GLOBAL 'os system' + REDUCE, hidden as a state-dict value
    pkl = state_dict_pickle([("transformer.ln_f.bias", ok_tensor), ("transformer.ln_f.weight", call("os", "system", PWN))])
    torch_zip(os.path.join(OUT, "os-system.bin"), pkl, {"0": four})
    files["os-system.bin"] = "torch zip checkpoint; data.pkl = OrderedDict whose 2nd value is GLOBAL 'os system' + REDUCE ('%s')" % PWN

    # 1b. the same through 'posix system' (what pickle.dumps(os.system) really writes on Linux)
    pkl = state_dict_pickle([("transformer.ln_f.bias", call("posix", "system", PWN))])
    torch_zip(os.path.join(OUT, "posix-system.bin"), pkl, {})
    files["posix-system.bin"] = "torch zip checkpoint; GLOBAL 'posix system' + REDUCE (the module name CPython really pickles for os.system)"

    # 2. builtins.eval
    code = "__import__('os').system('%s')" % PWN
    pkl = state_dict_pickle([("transformer.wte.weight", call("builtins", "eval", code))])
    torch_zip(os.path.join(OUT, "builtins-eval.bin"), pkl, {})
    files["builtins-eval.bin"] = "torch zip checkpoint; GLOBAL 'builtins eval' + REDUCE with %r" % code

    # 2b. protocol-4 STACK_GLOBAL form of builtins.exec (no GLOBAL opcode at all)
    pkl = (
        PROTO(4)
        + SHORT_STR("builtins")
        + SHORT_STR("exec")
        + STACK_GLOBAL
        + STR("import os; os.system('%s')" % PWN)
        + TUPLE1
        + REDUCE
        + STOP
    )
    torch_zip(os.path.join(OUT, "stack-global-exec.bin"), pkl, {})
    files["stack-global-exec.bin"] = "torch zip checkpoint; protocol 4, SHORT_BINUNICODE 'builtins' 'exec' + STACK_GLOBAL + REDUCE (top-level object)"

    # 2c. allowed-looking global, forbidden attribute: torch._utils but another function
    pkl = state_dict_pickle([("x", GLOBAL("torch.serialization", "load") + STR("/etc/passwd") + TUPLE1 + REDUCE)])
    torch_zip(os.path.join(OUT, "torch-other-global.bin"), pkl, {})
    files["torch-other-global.bin"] = "torch zip checkpoint; GLOBAL 'torch.serialization load' + REDUCE — a torch.* global outside the allow-list"

    # 3. legacy format with os.system in the object pickle (after a valid magic/version/sys_info)
    main_pkl = state_dict_pickle([("transformer.ln_f.weight", call("os", "system", PWN))])
    legacy(os.path.join(OUT, "os-system.legacy.bin"), main_pkl, [], [])
    files["os-system.legacy.bin"] = "legacy (non-zip) torch.save stream: valid magic 0x1950a86a20f9469cfc6c, protocol 1001, sys_info; then an object pickle with GLOBAL 'os system' + REDUCE"

    # 4. truncated: the real tiny checkpoint cut in half (no central directory)
    with open(os.path.join(FIXTURES, "tiny-gpt2", "pytorch_model.bin"), "rb") as f:
        full = f.read()
    with open(os.path.join(OUT, "truncated.bin"), "wb") as f:
        f.write(full[: len(full) // 2])
    files["truncated.bin"] = "first half (%d of %d bytes) of tiny-gpt2/pytorch_model.bin: zip without end-of-central-directory" % (
        len(full) // 2,
        len(full),
    )

    # 5. storage too big: claims 10^12 float32 elements (4 TB); record holds 16 bytes
    big = tensor_pickle("FloatStorage", "0", 10**12, 0, [10**6, 10**6], [10**6, 1])
    pkl = state_dict_pickle([("transformer.wte.weight", big)])
    torch_zip(os.path.join(OUT, "storage-too-big.bin"), pkl, {"0": four})
    files["storage-too-big.bin"] = "torch zip checkpoint; storage '0' claims numel 10^12 (FloatStorage, 4e12 bytes), tensor size [1e6, 1e6]; archive/data/0 is 16 bytes. Must be rejected without allocating"

    # 6. storage lies: claims 17 elements, record has 16 floats (64 bytes)
    lies = tensor_pickle("FloatStorage", "0", 17, 0, [17], [1])
    pkl = state_dict_pickle([("transformer.ln_f.weight", lies)])
    torch_zip(os.path.join(OUT, "storage-lies.bin"), pkl, {"0": f32(*[float(i) for i in range(16)])})
    files["storage-lies.bin"] = "torch zip checkpoint; storage claims numel 17, data/0 holds 16 float32 (64 bytes)"

    # 6b. view past the end of its storage: storage numel 16 (honest), tensor offset 8 size [4, 4]
    oob = tensor_pickle("FloatStorage", "0", 16, 8, [4, 4], [4, 1])
    pkl = state_dict_pickle([("transformer.ln_f.weight", oob)])
    torch_zip(os.path.join(OUT, "view-out-of-bounds.bin"), pkl, {"0": f32(*[float(i) for i in range(16)])})
    files["view-out-of-bounds.bin"] = "torch zip checkpoint; honest 16-element storage, but the tensor view (offset 8, size [4,4], stride [4,1]) reaches element 23"

    # 6c. missing record: pickle references storage '5' which has no data/5 entry
    miss = tensor_pickle("FloatStorage", "5", 4, 0, [4], [1])
    pkl = state_dict_pickle([("transformer.ln_f.weight", miss)])
    torch_zip(os.path.join(OUT, "missing-record.bin"), pkl, {"0": four})
    files["missing-record.bin"] = "torch zip checkpoint; the pickle references storage key '5' but only archive/data/0 exists"

    # 7. not a checkpoint
    rnd = random.Random(1234)
    with open(os.path.join(OUT, "not-a-checkpoint.bin"), "wb") as f:
        f.write(bytes(rnd.getrandbits(8) for _ in range(4096)))
    files["not-a-checkpoint.bin"] = "4096 random bytes (random.Random(1234))"

    # 8. safetensors: header length larger than the file
    good = safetensors_bytes({"a": __import__("torch").arange(4, dtype=__import__("torch").float32)}, {"format": "pt"})
    (hl,) = struct.unpack("<Q", good[:8])
    with open(os.path.join(OUT, "bad-header.safetensors"), "wb") as f:
        f.write(struct.pack("<Q", 10**6) + good[8:])
    files["bad-header.safetensors"] = "header length field = 1000000, file is %d bytes" % len(good)

    # 8b. header length absurd (2^63), e.g. would allocate exabytes if trusted
    with open(os.path.join(OUT, "huge-header-length.safetensors"), "wb") as f:
        f.write(struct.pack("<Q", 2**63) + good[8:])
    files["huge-header-length.safetensors"] = "header length field = 2^63"

    # 9. safetensors with bad data_offsets
    def st(header_json, data):
        h = header_json.encode()
        h += b" " * ((8 - len(h) % 8) % 8)
        return struct.pack("<Q", len(h)) + h + data

    data16 = f32(1.0, 2.0, 3.0, 4.0)
    with open(os.path.join(OUT, "bad-offsets.safetensors"), "wb") as f:
        f.write(st('{"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},'
                   '"b":{"dtype":"F32","shape":[4],"data_offsets":[16,32]}}', data16))
    files["bad-offsets.safetensors"] = "tensor 'b' has data_offsets [16,32] but the data section is 16 bytes (out of range)"

    with open(os.path.join(OUT, "bad-offsets-overlap.safetensors"), "wb") as f:
        f.write(st('{"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},'
                   '"b":{"dtype":"F32","shape":[4],"data_offsets":[8,24]}}', data16 + f32(5.0, 6.0)))
    files["bad-offsets-overlap.safetensors"] = "tensors 'a' [0,16] and 'b' [8,24] overlap (data section 24 bytes, all in range)"

    with open(os.path.join(OUT, "bad-shape.safetensors"), "wb") as f:
        f.write(st('{"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,16]}}', data16))
    files["bad-shape.safetensors"] = "tensor 'a' shape [2,3] (24 bytes of F32) but data_offsets [0,16]"

    with open(os.path.join(OUT, "bad-json.safetensors"), "wb") as f:
        f.write(st('{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]', data16))
    files["bad-json.safetensors"] = "header is not valid JSON (missing closing braces)"

    with open(os.path.join(OUT, "bad-dtype.safetensors"), "wb") as f:
        f.write(st('{"a":{"dtype":"F33","shape":[4],"data_offsets":[0,16]}}', data16))
    files["bad-dtype.safetensors"] = "unknown dtype 'F33'"

    # README
    lines = [
        "# Hostile and broken checkpoint files",
        "",
        "Made by `tooling/gpt2-fixtures/make-hostile.py` (pickles assembled opcode by opcode; nothing",
        "was ever unpickled). **None of these files may ever be given to a real pickle loader**",
        "(Python `pickle`, `torch.load`, `numpy.load(allow_pickle=True)`, ...): several of them run",
        "`%s` when unpickled. They exist to test that @bg-gpt2/convert's own" % PWN,
        "unpickler / zip / safetensors readers reject them with a typed error, without executing,",
        "allocating the claimed sizes or reading out of bounds. A test may assert that",
        "`/tmp/bg-gpt2-pwned` does not exist afterwards.",
        "",
        "All torch-zip files here use the internal folder `archive/` and have `archive/version` = `3`.",
        "",
        "| file | size (bytes) | what it is |",
        "| --- | ---: | --- |",
    ]
    for name in sorted(files):
        lines.append("| `%s` | %d | %s |" % (name, os.path.getsize(os.path.join(OUT, name)), files[name].replace("|", "\\|")))
    with open(os.path.join(OUT, "README.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    _ = hl
    print("wrote %d hostile files" % len(files))


if __name__ == "__main__":
    main()
