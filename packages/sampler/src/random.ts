import { SamplerError } from './errors.js';
import { requireInteger } from './validation.js';

/** A source of uniform random numbers in [0, 1) — what sampling draws from. */
export interface Random {
  /** The next number, uniform in [0, 1). */
  next(): number;
}

const golden = 0x9e3779b9;

/** splitmix32's output function: a well-mixed 32-bit word from a 32-bit state. */
function mix(state: number): number {
  let value = state | 0;
  value = Math.imul(value ^ (value >>> 16), 0x85ebca6b);
  value = Math.imul(value ^ (value >>> 13), 0xc2b2ae35);
  return (value ^ (value >>> 16)) >>> 0;
}

function rotateLeft(value: number, bits: number): number {
  return (value << bits) | (value >>> (32 - bits));
}

/**
 * xoshiro128** (Blackman & Vigna): a small, fast generator with a 128-bit state and a period of
 * 2^128 − 1, written with 32-bit integer operations only (`Math.imul`, shifts) — so a seed gives
 * the same stream, bit for bit, in every JavaScript engine (Node, browsers, workers).
 */
export class SeededRandom implements Random {
  #state0: number;
  #state1: number;
  #state2: number;
  #state3: number;

  /** Prefer {@link createRandom}. `seed`: an integer in [0, 2^53). */
  constructor(seed: number) {
    requireInteger('seed', seed, 0);
    const low = seed >>> 0;
    const high = Math.floor(seed / 0x1_0000_0000) >>> 0;
    // Four words from splitmix32 over the low half, each mixed with the high half.
    this.#state0 = mix(low + golden) ^ mix(high ^ 0x6a09e667);
    this.#state1 = mix(low + 2 * golden) ^ mix(high ^ 0xbb67ae85);
    this.#state2 = mix(low + 3 * golden) ^ mix(high ^ 0x3c6ef372);
    this.#state3 = mix(low + 4 * golden) ^ mix(high ^ 0xa54ff53a);
    if ((this.#state0 | this.#state1 | this.#state2 | this.#state3) === 0) this.#state0 = 1;
  }

  /**
   * A generator at a given xoshiro128** state (four 32-bit words, not all zero) — to continue a
   * saved stream, or to check against the reference implementation.
   */
  static fromState(state: readonly [number, number, number, number]): SeededRandom {
    if (state.length !== 4 || state.some((word) => !Number.isInteger(word))) {
      throw new SamplerError('INVALID_ARGUMENT', 'A xoshiro128** state is four 32-bit integers.');
    }
    if (state.every((word) => (word | 0) === 0)) {
      throw new SamplerError('INVALID_ARGUMENT', 'A xoshiro128** state must not be all zeros.');
    }
    const random = new SeededRandom(0);
    [random.#state0, random.#state1, random.#state2, random.#state3] = state.map(
      (word) => word | 0,
    );
    return random;
  }

  /** The current state (four 32-bit unsigned words), for {@link SeededRandom.fromState}. */
  get state(): [number, number, number, number] {
    return [this.#state0 >>> 0, this.#state1 >>> 0, this.#state2 >>> 0, this.#state3 >>> 0];
  }

  /** The next 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotateLeft(Math.imul(this.#state1, 5), 7), 9) >>> 0;
    const shifted = this.#state1 << 9;
    this.#state2 ^= this.#state0;
    this.#state3 ^= this.#state1;
    this.#state1 ^= this.#state2;
    this.#state0 ^= this.#state3;
    this.#state2 ^= shifted;
    this.#state3 = rotateLeft(this.#state3, 11);
    return result;
  }

  /** The next number in [0, 1), with 53 random bits (two 32-bit outputs). */
  next(): number {
    const high = this.nextUint32() >>> 5;
    const low = this.nextUint32() >>> 6;
    return (high * 67108864 + low) / 9007199254740992;
  }
}

/**
 * A seeded generator: the same `seed` gives the same numbers — and so, over the same logits, the
 * same sampled tokens — in Node and in browsers.
 *
 * @param seed an integer in [0, 2^53).
 */
export function createRandom(seed: number): SeededRandom {
  return new SeededRandom(seed);
}
