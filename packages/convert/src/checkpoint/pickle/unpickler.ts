import { ConvertError } from '../../errors.js';
import { copyBytes } from '../plain-bytes.js';
import { PickleGlobal, resolveGlobal } from './allowed-globals.js';
import { describeOpcode, highestProtocol, Opcode } from './opcodes.js';
import {
  describePythonValue,
  isInteger,
  isList,
  isTuple,
  makeTuple,
  type PythonTuple,
} from './python-values.js';
import { StorageReference, TensorReference } from './torch-references.js';

/** Bounds on what one pickle may build; the defaults are far above any real state dict. */
export interface UnpickleLimits {
  /** Memo entries (BINPUT / MEMOIZE). Default 1,000,000. */
  maxMemoEntries?: number;
  /** Values on the stack at once. Default 1,000,000. */
  maxStackDepth?: number;
  /** Nested MARKs. Default 10,000. */
  maxMarkDepth?: number;
}

/** Options of {@link unpickle}. */
export interface UnpickleOptions extends UnpickleLimits {
  /** Where the pickle starts in `bytes` (several pickles may follow each other). Default 0. */
  start?: number;
  /**
   * Turns a persistent id (BINPERSID) into a value — for torch, a `StorageReference`. Without
   * it a persistent id is an error.
   */
  persistentLoad?: (persistentId: unknown) => unknown;
  /** Names the pickle in error messages, e.g. `archive/data.pkl`. */
  source?: string;
}

/** What {@link unpickle} returns: the value and the offset just past the STOP opcode. */
export interface UnpickleResult {
  value: unknown;
  end: number;
}

const utf8 = new TextDecoder('utf-8');
const maximumGlobalNameLength = 1024;
const maximumLongBytes = 64;

/**
 * A safe unpickler for PyTorch state dicts. It interprets the opcodes a state dict pickle uses
 * (protocols 2–5) and builds plain JavaScript values (see `python-values.ts`); Python globals
 * are resolved against a short allowlist (`allowed-globals.ts`) and nothing is ever executed.
 *
 * Throws `PICKLE_REFUSED` naming any other global, and `CHECKPOINT_INVALID` (naming the opcode
 * and byte offset) for unknown opcodes, truncation, or a stack/memo misuse or over-limit.
 */
export function unpickle(bytes: Uint8Array, options: UnpickleOptions = {}): UnpickleResult {
  return new Machine(bytes, options).run();
}

class Machine {
  private readonly view: DataView;
  private position: number;
  private opcodeStart: number;
  private readonly stack: unknown[] = [];
  private readonly marks: number[] = [];
  private readonly memo = new Map<number, unknown>();
  private readonly maxMemoEntries: number;
  private readonly maxStackDepth: number;
  private readonly maxMarkDepth: number;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly options: UnpickleOptions,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.position = options.start ?? 0;
    this.opcodeStart = this.position;
    this.maxMemoEntries = options.maxMemoEntries ?? 1_000_000;
    this.maxStackDepth = options.maxStackDepth ?? 1_000_000;
    this.maxMarkDepth = options.maxMarkDepth ?? 10_000;
  }

  private fail(what: string): never {
    const where = this.options.source ? ` of ${this.options.source}` : '';
    throw new ConvertError(
      'CHECKPOINT_INVALID',
      `The checkpoint's pickle cannot be read: ${what} (at byte ${this.opcodeStart}${where}). The file is truncated, corrupt, or not a PyTorch state dict; download or save it again.`,
    );
  }

  // ---- reading bytes ----

  private need(count: number, what: string): void {
    const remaining = this.bytes.length - this.position;
    if (count > remaining) {
      this.fail(`${what} needs ${count} bytes but only ${remaining} remain`);
    }
  }

  private byte(what: string): number {
    this.need(1, what);
    return this.bytes[this.position++]!;
  }

  private uint16(what: string): number {
    this.need(2, what);
    const value = this.view.getUint16(this.position, true);
    this.position += 2;
    return value;
  }

  private uint32(what: string): number {
    this.need(4, what);
    const value = this.view.getUint32(this.position, true);
    this.position += 4;
    return value;
  }

  private int32(what: string): number {
    this.need(4, what);
    const value = this.view.getInt32(this.position, true);
    this.position += 4;
    return value;
  }

  private uint64(what: string): number {
    this.need(8, what);
    const value = this.view.getBigUint64(this.position, true);
    this.position += 8;
    if (value > BigInt(this.bytes.length)) {
      this.fail(`${what} claims ${value} bytes, more than the whole file`);
    }
    return Number(value);
  }

  private take(count: number, what: string): Uint8Array {
    this.need(count, what);
    const slice = this.bytes.subarray(this.position, this.position + count);
    this.position += count;
    return slice;
  }

  private line(what: string): string {
    const limit = Math.min(this.bytes.length, this.position + maximumGlobalNameLength);
    for (let index = this.position; index < limit; index++) {
      if (this.bytes[index] === 0x0a) {
        const text = utf8.decode(this.bytes.subarray(this.position, index));
        this.position = index + 1;
        return text;
      }
    }
    return this.fail(`${what} has no end of line within ${maximumGlobalNameLength} bytes`);
  }

  // ---- the stack ----

  private get fence(): number {
    return this.marks.length > 0 ? this.marks[this.marks.length - 1]! : 0;
  }

  private push(value: unknown): void {
    if (this.stack.length >= this.maxStackDepth) {
      this.fail(`more than ${this.maxStackDepth} values on the stack`);
    }
    this.stack.push(value);
  }

  private pop(): unknown {
    if (this.stack.length <= this.fence) this.fail('stack underflow');
    return this.stack.pop();
  }

  private top(): unknown {
    if (this.stack.length <= this.fence) this.fail('stack underflow');
    return this.stack[this.stack.length - 1];
  }

  private popMark(): unknown[] {
    const mark = this.marks.pop();
    if (mark === undefined) this.fail('a MARK is missing');
    return this.stack.splice(mark);
  }

  private memoize(index: number): void {
    if (!this.memo.has(index) && this.memo.size >= this.maxMemoEntries) {
      this.fail(`more than ${this.maxMemoEntries} memo entries`);
    }
    this.memo.set(index, this.top());
  }

  private recall(index: number): unknown {
    if (!this.memo.has(index)) this.fail(`memo entry ${index} is read before it is written`);
    return this.memo.get(index);
  }

  // ---- the interpreter ----

  run(): UnpickleResult {
    for (;;) {
      this.opcodeStart = this.position;
      if (this.position >= this.bytes.length) this.fail('the pickle ends without a STOP opcode');
      const opcode = this.bytes[this.position++]!;
      switch (opcode) {
        case Opcode.PROTO: {
          const protocol = this.byte('PROTO');
          if (protocol > highestProtocol) this.fail(`unknown pickle protocol ${protocol}`);
          break;
        }
        case Opcode.FRAME:
          // Framing only groups opcodes for buffered readers; the whole pickle is in memory.
          this.need(this.uint64('FRAME'), 'FRAME');
          break;
        case Opcode.STOP:
          return { value: this.pop(), end: this.position };
        case Opcode.MARK:
          if (this.marks.length >= this.maxMarkDepth) {
            this.fail(`more than ${this.maxMarkDepth} nested MARKs`);
          }
          this.marks.push(this.stack.length);
          break;
        case Opcode.POP:
          if (this.marks.length > 0 && this.fence === this.stack.length) this.marks.pop();
          else this.pop();
          break;
        case Opcode.POP_MARK:
          this.popMark();
          break;
        case Opcode.DUP:
          this.push(this.top());
          break;

        case Opcode.NONE:
          this.push(null);
          break;
        case Opcode.NEWTRUE:
          this.push(true);
          break;
        case Opcode.NEWFALSE:
          this.push(false);
          break;
        case Opcode.BININT:
          this.push(this.int32('BININT'));
          break;
        case Opcode.BININT1:
          this.push(this.byte('BININT1'));
          break;
        case Opcode.BININT2:
          this.push(this.uint16('BININT2'));
          break;
        case Opcode.LONG1:
          this.push(this.long(this.byte('LONG1')));
          break;
        case Opcode.BINFLOAT: {
          this.need(8, 'BINFLOAT');
          this.push(this.view.getFloat64(this.position, false));
          this.position += 8;
          break;
        }

        case Opcode.SHORT_BINUNICODE:
          this.push(utf8.decode(this.take(this.byte('SHORT_BINUNICODE'), 'SHORT_BINUNICODE')));
          break;
        case Opcode.BINUNICODE:
          this.push(utf8.decode(this.take(this.uint32('BINUNICODE'), 'BINUNICODE')));
          break;
        case Opcode.BINUNICODE8:
          this.push(utf8.decode(this.take(this.uint64('BINUNICODE8'), 'BINUNICODE8')));
          break;
        case Opcode.SHORT_BINSTRING:
          this.push(utf8.decode(this.take(this.byte('SHORT_BINSTRING'), 'SHORT_BINSTRING')));
          break;
        case Opcode.BINSTRING: {
          const length = this.int32('BINSTRING');
          if (length < 0) this.fail(`BINSTRING has a negative length ${length}`);
          this.push(utf8.decode(this.take(length, 'BINSTRING')));
          break;
        }
        case Opcode.SHORT_BINBYTES:
          this.push(copyBytes(this.take(this.byte('SHORT_BINBYTES'), 'SHORT_BINBYTES')));
          break;
        case Opcode.BINBYTES:
          this.push(copyBytes(this.take(this.uint32('BINBYTES'), 'BINBYTES')));
          break;
        case Opcode.BINBYTES8:
          this.push(copyBytes(this.take(this.uint64('BINBYTES8'), 'BINBYTES8')));
          break;

        case Opcode.EMPTY_TUPLE:
          this.push(makeTuple([]));
          break;
        case Opcode.TUPLE:
          this.push(makeTuple(this.popMark()));
          break;
        case Opcode.TUPLE1:
        case Opcode.TUPLE2:
        case Opcode.TUPLE3: {
          const count = opcode - Opcode.TUPLE1 + 1;
          const items: unknown[] = [];
          for (let index = 0; index < count; index++) items.unshift(this.pop());
          this.push(makeTuple(items));
          break;
        }
        case Opcode.EMPTY_LIST:
          this.push([]);
          break;
        case Opcode.LIST:
          this.push(this.popMark());
          break;
        case Opcode.APPEND: {
          const value = this.pop();
          this.list('APPEND').push(value);
          break;
        }
        case Opcode.APPENDS: {
          const items = this.popMark();
          const list = this.list('APPENDS');
          for (const item of items) list.push(item);
          break;
        }
        case Opcode.EMPTY_DICT:
          this.push(new Map());
          break;
        case Opcode.DICT: {
          const dict = new Map<unknown, unknown>();
          this.setItems(dict, this.popMark(), 'DICT');
          this.push(dict);
          break;
        }
        case Opcode.SETITEM: {
          const value = this.pop();
          const key = this.pop();
          this.setItems(this.dict('SETITEM'), [key, value], 'SETITEM');
          break;
        }
        case Opcode.SETITEMS: {
          const items = this.popMark();
          this.setItems(this.dict('SETITEMS'), items, 'SETITEMS');
          break;
        }

        case Opcode.BINPUT:
          this.memoize(this.byte('BINPUT'));
          break;
        case Opcode.LONG_BINPUT:
          this.memoize(this.uint32('LONG_BINPUT'));
          break;
        case Opcode.MEMOIZE:
          this.memoize(this.memo.size);
          break;
        case Opcode.BINGET:
          this.push(this.recall(this.byte('BINGET')));
          break;
        case Opcode.LONG_BINGET:
          this.push(this.recall(this.uint32('LONG_BINGET')));
          break;

        case Opcode.GLOBAL: {
          const module = this.line('GLOBAL module');
          const name = this.line('GLOBAL name');
          this.push(resolveGlobal(module, name));
          break;
        }
        case Opcode.STACK_GLOBAL: {
          const name = this.pop();
          const module = this.pop();
          if (typeof module !== 'string' || typeof name !== 'string') {
            this.fail('STACK_GLOBAL needs two strings');
          }
          this.push(resolveGlobal(module, name));
          break;
        }
        case Opcode.INST: {
          // Protocol 0's way to call a class: refuse by name what is not allowed at all.
          const module = this.line('INST module');
          const name = this.line('INST name');
          resolveGlobal(module, name);
          this.fail(`${describeOpcode(opcode)} is not used by PyTorch state dicts`);
          break;
        }
        case Opcode.EXT1:
        case Opcode.EXT2:
        case Opcode.EXT4:
          throw new ConvertError(
            'PICKLE_REFUSED',
            `The checkpoint's pickle asks for a global through the copyreg extension registry (${describeOpcode(opcode)} at byte ${this.opcodeStart}), which a PyTorch state dict never uses. Nothing was executed. Use a checkpoint from a source you trust, or a model.safetensors copy of it.`,
          );
        case Opcode.REDUCE: {
          const args = this.pop();
          const callable = this.pop();
          this.push(this.call(callable, args));
          break;
        }
        case Opcode.NEWOBJ: {
          const args = this.pop();
          const cls = this.pop();
          if (!(cls instanceof PickleGlobal)) this.fail(`NEWOBJ on ${describePythonValue(cls)}`);
          if (cls.meaning.kind !== 'ordered-dict') throw refusedCall(cls.qualifiedName);
          if (!isTuple(args)) this.fail('NEWOBJ needs a tuple of arguments');
          this.push(new Map());
          break;
        }
        case Opcode.BUILD: {
          const state = this.pop();
          const target = this.top();
          // An OrderedDict's state is its attributes (a state dict's `_metadata`: layer
          // versions); nothing the converter needs, so it is dropped.
          if (!(target instanceof Map)) {
            this.fail(`BUILD on ${describePythonValue(target)} is not used by PyTorch state dicts`);
          }
          if (state !== null && !(state instanceof Map) && !isTuple(state)) {
            this.fail(`BUILD with ${describePythonValue(state)} as state`);
          }
          break;
        }
        case Opcode.BINPERSID: {
          const persistentId = this.pop();
          if (!this.options.persistentLoad) {
            this.fail('a persistent id where no storage is expected');
          }
          this.push(this.options.persistentLoad(persistentId));
          break;
        }

        default:
          this.fail(
            `the opcode ${describeOpcode(opcode)} is not one a PyTorch state dict uses (this reader does not implement it)`,
          );
      }
    }
  }

  private long(length: number): number | bigint {
    if (length > maximumLongBytes) this.fail(`a ${length}-byte integer`);
    const bytes = this.take(length, 'LONG1');
    if (length === 0) return 0;
    let value = 0n;
    for (let index = length - 1; index >= 0; index--) value = (value << 8n) | BigInt(bytes[index]!);
    if (bytes[length - 1]! & 0x80) value -= 1n << BigInt(8 * length);
    const limit = BigInt(Number.MAX_SAFE_INTEGER);
    return value <= limit && value >= -limit ? Number(value) : value;
  }

  private list(what: string): unknown[] {
    const list = this.top();
    if (!isList(list)) this.fail(`${what} on ${describePythonValue(list)} instead of a list`);
    return list;
  }

  private dict(what: string): Map<unknown, unknown> {
    const dict = this.top();
    if (!(dict instanceof Map)) {
      this.fail(`${what} on ${describePythonValue(dict)} instead of a dict`);
    }
    return dict;
  }

  private setItems(dict: Map<unknown, unknown>, items: unknown[], what: string): void {
    if (items.length % 2 !== 0) this.fail(`${what} with an odd number of items`);
    for (let index = 0; index < items.length; index += 2) {
      const key = items[index];
      if (key instanceof Map || isList(key)) {
        this.fail(`${what} with ${describePythonValue(key)} as a key (unhashable)`);
      }
      dict.set(key, items[index + 1]);
    }
  }

  /** REDUCE: "calls" an allowed global by building the plain value it stands for. */
  private call(callable: unknown, args: unknown): unknown {
    if (!(callable instanceof PickleGlobal)) {
      this.fail(`REDUCE calls ${describePythonValue(callable)}, not an allowed global`);
    }
    if (!isTuple(args))
      this.fail(`REDUCE calls ${callable.qualifiedName} without an argument tuple`);
    const meaning = callable.meaning;
    switch (meaning.kind) {
      case 'ordered-dict':
        return this.orderedDict(args);
      case 'rebuild-tensor':
        return this.rebuildTensor(args);
      case 'rebuild-parameter': {
        const expected = meaning.withState ? 4 : 3;
        if (args.length !== expected || !(args[0] instanceof TensorReference)) {
          this.fail(`${callable.qualifiedName} needs ${expected} arguments, the first a tensor`);
        }
        return args[0];
      }
      default:
        throw refusedCall(callable.qualifiedName);
    }
  }

  private orderedDict(args: PythonTuple): Map<unknown, unknown> {
    const dict = new Map<unknown, unknown>();
    if (args.length === 0) return dict;
    const pairs = args[0];
    if (args.length !== 1 || !Array.isArray(pairs)) {
      this.fail('collections.OrderedDict takes at most one list of pairs');
    }
    for (const pair of pairs) {
      if (!Array.isArray(pair) || pair.length !== 2) {
        this.fail('collections.OrderedDict takes (key, value) pairs');
      }
      this.setItems(dict, pair, 'OrderedDict');
    }
    return dict;
  }

  /** `_rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])`. */
  private rebuildTensor(args: PythonTuple): TensorReference {
    if (args.length !== 6 && args.length !== 7) {
      this.fail(`torch._utils._rebuild_tensor_v2 with ${args.length} arguments instead of 6`);
    }
    const [storage, storageOffset, shape, stride, requiresGrad, backwardHooks] = args;
    if (!(storage instanceof StorageReference)) {
      this.fail(`a tensor whose storage is ${describePythonValue(storage)}`);
    }
    const offset = this.dimension(storageOffset, 'storage offset');
    if (!isTuple(shape) || !isTuple(stride) || shape.length !== stride.length) {
      this.fail('a tensor whose size and stride are not tuples of equal length');
    }
    if (typeof requiresGrad !== 'boolean') this.fail('a tensor whose requires_grad is not a bool');
    if (!(backwardHooks instanceof Map) || backwardHooks.size > 0) {
      this.fail('a tensor with backward hooks');
    }
    return new TensorReference(
      storage,
      offset,
      shape.map((size) => this.dimension(size, 'size')),
      stride.map((step) => this.dimension(step, 'stride')),
      requiresGrad,
    );
  }

  private dimension(value: unknown, what: string): number {
    if (!isInteger(value) || typeof value === 'bigint' || value < 0) {
      this.fail(`a tensor ${what} of ${String(value)}, not a non-negative integer below 2^53`);
    }
    return value;
  }
}

function refusedCall(qualifiedName: string): ConvertError {
  return new ConvertError(
    'PICKLE_REFUSED',
    `The checkpoint's pickle asks to call ${qualifiedName}, which a PyTorch state dict never does. Nothing was executed. Use a checkpoint from a source you trust, or a model.safetensors copy of it.`,
  );
}
