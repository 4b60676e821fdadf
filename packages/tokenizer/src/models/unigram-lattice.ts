import { DoubleArrayTrie } from '../double-array-trie.js';
import type { Vocabulary } from '../vocabulary.js';
import { characterLength, type ScoredSegmentation, Segments } from './segments.js';
import { StdPriorityQueue } from './std-priority-queue.js';

interface LatticeNode {
  /** Index in creation order (the C++ `node_id`). */
  index: number;
  start: number;
  end: number;
  id: number;
  score: number;
  backtraceScore: number;
  previous: LatticeNode | undefined;
}

interface Hypothesis {
  node: LatticeNode;
  next: Hypothesis | undefined;
  fx: number;
  gx: number;
}

/** The agenda limits of the C++ n-best search. */
const maxAgendaSize = 10000;
const minAgendaSize = 512;

const fround = Math.fround;

function logSumExp(x: number, y: number, initial: boolean): number {
  if (initial) return y;
  const minimum = Math.min(x, y);
  const maximum = Math.max(x, y);
  if (maximum > minimum + 50) return maximum;
  return maximum + Math.log(Math.exp(minimum - maximum) + 1);
}

/**
 * The lattice of every vocabulary piece found in a normalized text, positions in code units
 * (pieces start and end on characters, so this is the C++ lattice with other coordinates).
 * Nodes are created in the C++ order, which decides ties.
 */
export class UnigramLattice {
  readonly #beginNodes: LatticeNode[][];
  readonly #endNodes: LatticeNode[][];
  readonly #nodes: LatticeNode[] = [];
  readonly #beginOfSentence: LatticeNode;
  readonly #endOfSentence: LatticeNode;
  readonly #length: number;

  constructor(units: Uint16Array, length: number, vocabulary: Vocabulary, unknownScore: number) {
    this.#length = length;
    this.#beginNodes = Array.from({ length: length + 1 }, () => []);
    this.#endNodes = Array.from({ length: length + 1 }, () => []);
    this.#beginOfSentence = this.#newNode(0, 0, -1, 0);
    this.#endOfSentence = this.#newNode(length, length, -1, 0);
    this.#endNodes[0]!.push(this.#beginOfSentence);
    this.#beginNodes[length]!.push(this.#endOfSentence);

    const trie = vocabulary.matchable;
    const maxScore = vocabulary.maxScore;
    for (let start = 0; start < length; ) {
      const characterSize = characterLength(units, start, length);
      let hasSingleCharacter = false;
      let node = DoubleArrayTrie.root;
      for (let end = start; end < length; ) {
        node = trie.child(node, units[end]!);
        if (node < 0) break;
        end++;
        const id = trie.value(node);
        if (id < 0 || vocabulary.isUnused(id)) continue;
        const score = vocabulary.isUserDefined(id)
          ? fround(fround(vocabulary.characterLengths[id]! * maxScore) - 0.1)
          : vocabulary.scores[id]!;
        this.#insert(start, end, id, score);
        if (end - start === characterSize) hasSingleCharacter = true;
      }
      if (!hasSingleCharacter)
        this.#insert(start, start + characterSize, vocabulary.unknownId, unknownScore);
      start += characterSize;
    }
  }

  #newNode(start: number, end: number, id: number, score: number): LatticeNode {
    const node: LatticeNode = {
      index: this.#nodes.length,
      start,
      end,
      id,
      score,
      backtraceScore: 0,
      previous: undefined,
    };
    this.#nodes.push(node);
    return node;
  }

  #insert(start: number, end: number, id: number, score: number): void {
    const node = this.#newNode(start, end, id, score);
    this.#beginNodes[start]!.push(node);
    this.#endNodes[end]!.push(node);
  }

  /** Fills every node's best score from the start (float arithmetic, first best wins). */
  #viterbi(): void {
    for (let position = 0; position <= this.#length; position++) {
      for (const right of this.#beginNodes[position]!) {
        let best: LatticeNode | undefined;
        let bestScore = 0;
        for (const left of this.#endNodes[position]!) {
          const score = fround(left.backtraceScore + right.score);
          if (best === undefined || score > bestScore) {
            bestScore = score;
            best = left;
          }
        }
        right.previous = best;
        right.backtraceScore = bestScore;
      }
    }
  }

  #path(nodes: LatticeNode[], score: number): ScoredSegmentation {
    const segments = new Segments();
    for (const node of nodes) segments.push(node.start, node.end, node.id);
    return { segments, score };
  }

  /** The n best paths by A* search from the end, exactly as `Lattice::NBest`. */
  nbest(size: number): ScoredSegmentation[] {
    this.#viterbi();
    if (size === 1) {
      const nodes: LatticeNode[] = [];
      for (
        let node = this.#endOfSentence.previous;
        node && node !== this.#beginOfSentence;
        node = node.previous
      ) {
        nodes.push(node);
      }
      nodes.reverse();
      return [this.#path(nodes, this.#endOfSentence.backtraceScore)];
    }
    const less = (a: Hypothesis, b: Hypothesis) => a.fx < b.fx;
    let agenda = new StdPriorityQueue<Hypothesis>(less);
    agenda.push({
      node: this.#endOfSentence,
      next: undefined,
      gx: 0,
      fx: this.#endOfSentence.backtraceScore,
    });
    const results: ScoredSegmentation[] = [];
    while (agenda.size > 0) {
      const top = agenda.pop();
      const node = top.node;
      if (node === this.#beginOfSentence) {
        const nodes: LatticeNode[] = [];
        for (
          let hypothesis = top.next;
          hypothesis?.next !== undefined;
          hypothesis = hypothesis.next
        ) {
          nodes.push(hypothesis.node);
        }
        results.push(this.#path(nodes, top.fx));
        if (results.length === size) break;
        continue;
      }
      for (const left of this.#endNodes[node.start]!) {
        agenda.push({
          node: left,
          next: top,
          gx: fround(left.score + top.gx),
          fx: fround(left.backtraceScore + top.gx),
        });
      }
      if (agenda.size >= maxAgendaSize) {
        const keep = Math.min(minAgendaSize, size * 10);
        const shrunk = new StdPriorityQueue<Hypothesis>(less);
        for (let index = 0; index < keep; index++) shrunk.push(agenda.pop());
        agenda = shrunk;
      }
    }
    return results;
  }

  /** Forward algorithm: log of the summed path weights reaching each node. */
  #forward(theta: number): Float64Array {
    const alpha = new Float64Array(this.#nodes.length);
    for (let position = 0; position <= this.#length; position++) {
      for (const right of this.#beginNodes[position]!) {
        let first = true;
        for (const left of this.#endNodes[position]!) {
          alpha[right.index] = logSumExp(
            alpha[right.index]!,
            theta * left.score + alpha[left.index]!,
            first,
          );
          first = false;
        }
      }
    }
    return alpha;
  }

  /** Draws one path with probability ∝ exp(theta · score), backward from the end. */
  sample(theta: number, random: () => number): ScoredSegmentation {
    const alpha = this.#forward(theta);
    const nodes: LatticeNode[] = [];
    let total = 0;
    let node = this.#endOfSentence;
    let normalizer = alpha[node.index]!;
    for (;;) {
      const candidates = this.#endNodes[node.start]!;
      const weights = candidates.map((left) =>
        Math.exp(alpha[left.index]! + theta * left.score - normalizer),
      );
      let sum = 0;
      for (const weight of weights) sum += weight;
      let threshold = random() * sum;
      let chosen = candidates[candidates.length - 1]!;
      for (let index = 0; index < candidates.length; index++) {
        threshold -= weights[index]!;
        if (threshold < 0) {
          chosen = candidates[index]!;
          break;
        }
      }
      node = chosen;
      if (node === this.#beginOfSentence) break;
      normalizer = alpha[node.index]!;
      nodes.push(node);
      total = fround(total + node.score);
    }
    nodes.reverse();
    return this.#path(nodes, total);
  }
}
