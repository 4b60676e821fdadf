import { TokenizerError } from '../errors.js';
import { loadSentencePieceSync } from '../node.js';
import type { SentencePieceTokenizer } from '../sentencepiece-tokenizer.js';
import { parseArguments } from './arguments.js';
import { readLineBatches } from './line-reader.js';
import { LineOutput } from './output.js';
import { seededRandom } from './seeded-random.js';

const usage = `bg-spm — SentencePiece in pure JavaScript, a drop-in for spm_encode / spm_decode

Usage:
  bg-spm encode --model=M [--output_format=F] [--nbest_size=N] [--alpha=A] [FILE...]
  bg-spm decode --model=M [--input_format=piece|id] [FILE...]

Reads FILEs (or stdin), one sentence per line (split on "\\n" only), and writes one result
per line to stdout (or --output=FILE), byte for byte as spm_encode / spm_decode print it.

encode flags:
  --model=M            the .model file (required)
  --output_format=F    piece (default) | id | nbest_piece | nbest_id | sample_piece | sample_id
  --nbest_size=N       n-best size for nbest_*; for sample_*: < 0 samples the whole lattice,
                       > 1 samples among the N best (default -1)
  --alpha=A            smoothing of sample_* (default 0.5, as spm_encode)
  --extra_options=O    colon-separated: bos, eos, reverse, unk
  --random_seed=S      seed for sample_* (default: random)
  --output=FILE        write here instead of stdout
decode flags:
  --model=M            the .model file (required)
  --input_format=F     piece (default) | id
  --extra_options=O    reverse
  --output=FILE        write here instead of stdout

Example:
  echo "Здравей, свят!" | bg-spm encode --model=spiece.model --output_format=id
`;

type ExtraOption = 'bos' | 'eos' | 'reverse' | 'unk';

function fail(message: string): never {
  throw new TokenizerError('INVALID_ARGUMENT', message);
}

function parseExtraOptions(
  value: string | undefined,
  allowed: readonly ExtraOption[],
): ExtraOption[] {
  if (!value) return [];
  return value.split(':').map((option) => {
    const name = option === 'unk_piece' ? 'unk' : option;
    if (!allowed.includes(name as ExtraOption)) fail(`option "${option}" is not available.`);
    return name as ExtraOption;
  });
}

function applyExtraOptions<T>(
  tokenizer: SentencePieceTokenizer,
  items: T[],
  options: readonly ExtraOption[],
  control: (piece: string, id: number) => T,
): T[] {
  let result = items;
  for (const option of options) {
    if (option === 'reverse') result = result.slice().reverse();
    else if (option === 'bos')
      result = [control(tokenizer.proto.trainerSpec.bosPiece, tokenizer.bosId), ...result];
    else if (option === 'eos')
      result = [...result, control(tokenizer.proto.trainerSpec.eosPiece, tokenizer.eosId)];
  }
  return result;
}

/** A numeric flag's value, or `fallback` when absent; `integer` also requires a whole number. */
function numberFlag(
  flags: Map<string, string>,
  name: string,
  fallback: number,
  integer = false,
): number {
  const value = flags.get(name);
  if (value === undefined) return fallback;
  const number = Number(value);
  if (integer ? !Number.isInteger(number) : !Number.isFinite(number)) {
    fail(`--${name} must be ${integer ? 'an integer' : 'a number'}, got "${value}".`);
  }
  return number;
}

async function encode(
  tokenizer: SentencePieceTokenizer,
  flags: Map<string, string>,
  files: string[],
): Promise<void> {
  const format = flags.get('output_format') ?? 'piece';
  const nbestSize = numberFlag(flags, 'nbest_size', format.startsWith('nbest') ? 10 : -1, true);
  const alpha = numberFlag(flags, 'alpha', 0.5);
  const extra = parseExtraOptions(flags.get('extra_options'), ['bos', 'eos', 'reverse', 'unk']);
  const seed = flags.has('random_seed')
    ? numberFlag(flags, 'random_seed', 0, true)
    : Math.floor(Math.random() * 2 ** 32);
  const random = seededRandom(seed);
  const unknownPiece = tokenizer.proto.trainerSpec.unkPiece;
  const withOptions = (ids: number[], pieces: string[]): [number[], string[]] => {
    if (extra.length === 0) return [ids, pieces];
    const tokens = ids.map((id, index): [number, string] => [id, pieces[index]!]);
    const pairs = applyExtraOptions<[number, string]>(tokenizer, tokens, extra, (piece, id) => [
      id,
      piece,
    ]).map(([id, piece]): [number, string] => [
      id,
      extra.includes('unk') && tokenizer.isUnknown(id) ? unknownPiece : piece,
    ]);
    return [pairs.map((pair) => pair[0]), pairs.map((pair) => pair[1])];
  };
  let process: (line: string, output: LineOutput) => void;
  switch (format) {
    case 'piece':
      process =
        extra.length === 0
          ? (line, output) => output.line(tokenizer.encodeAsPieces(line).join(' '))
          : (line, output) => {
              const pieces = tokenizer.encodeAsPieces(line);
              output.line(withOptions(tokenizer.encode(line), pieces)[1].join(' '));
            };
      break;
    case 'id':
      process =
        extra.length === 0
          ? (line, output) => output.line(tokenizer.encode(line).join(' '))
          : (line, output) =>
              output.line(
                withOptions(tokenizer.encode(line), tokenizer.encodeAsPieces(line))[0].join(' '),
              );
      break;
    case 'nbest_piece':
    case 'nbest_id':
      if (nbestSize < 1) fail('--nbest_size must be >= 1 for nbest output.');
      process = (line, output) => {
        for (const result of tokenizer.nbest(line, nbestSize)) {
          const [ids, pieces] = withOptions(result.ids, result.pieces);
          output.line((format === 'nbest_id' ? ids : pieces).join(' '));
        }
      };
      break;
    case 'sample_piece':
    case 'sample_id':
      process = (line, output) => {
        const result = tokenizer.sample(line, { alpha, nbestSize }, random);
        const [ids, pieces] = withOptions(result.ids, result.pieces);
        output.line((format === 'sample_id' ? ids : pieces).join(' '));
      };
      break;
    default:
      fail(
        `unknown --output_format=${format}; use piece, id, nbest_piece, nbest_id, sample_piece or sample_id.`,
      );
  }
  const output = new LineOutput(flags.get('output'));
  for await (const lines of readLineBatches(files)) {
    for (const line of lines) process(line, output);
    await output.flush();
  }
  await output.close();
}

async function decode(
  tokenizer: SentencePieceTokenizer,
  flags: Map<string, string>,
  files: string[],
): Promise<void> {
  const format = flags.get('input_format') ?? 'piece';
  const extra = parseExtraOptions(flags.get('extra_options'), ['reverse']);
  if (format !== 'piece' && format !== 'id')
    fail(`unknown --input_format=${format}; use piece or id.`);
  const output = new LineOutput(flags.get('output'));
  for await (const lines of readLineBatches(files)) {
    for (const line of lines) {
      const tokens = line.split(' ');
      if (format === 'piece') {
        output.line(
          tokenizer.decodePieces(applyExtraOptions(tokenizer, tokens, extra, (piece) => piece)),
        );
      } else {
        const ids = tokens
          .filter((token) => token.length > 0)
          .map((token) => {
            const id = Number.parseInt(token, 10);
            return Number.isNaN(id) ? 0 : id;
          });
        output.line(tokenizer.decode(applyExtraOptions(tokenizer, ids, extra, (_piece, id) => id)));
      }
    }
    await output.flush();
  }
  await output.close();
}

/** Runs the command; returns the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const { flags, positional } = parseArguments(argv);
  const [command, ...rest] = positional;
  if (flags.has('help') || flags.has('h') || command === 'help') {
    process.stdout.write(usage);
    return 0;
  }
  if (command !== 'encode' && command !== 'decode') {
    process.stderr.write(
      `bg-spm: expected "encode" or "decode"${command ? `, got "${command}"` : ''}.\n\n${usage}`,
    );
    return 2;
  }
  const files = [...(flags.get('input')?.split(',').filter(Boolean) ?? []), ...rest];
  try {
    const model = flags.get('model');
    if (!model) fail('--model is required: the path of a SentencePiece .model file.');
    const tokenizer = loadSentencePieceSync(model);
    if (command === 'encode') await encode(tokenizer, flags, files);
    else await decode(tokenizer, flags, files);
    return 0;
  } catch (error) {
    if (error instanceof TokenizerError) {
      process.stderr.write(`bg-spm: ${error.message}\n`);
      return error.code === 'INVALID_ARGUMENT' ? 2 : 1;
    }
    if ((error as NodeJS.ErrnoException)?.code === 'ENOENT') {
      process.stderr.write(`bg-spm: ${(error as Error).message}\n`);
      return 1;
    }
    throw error;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`bg-spm: internal error: ${(error as Error)?.stack ?? error}\n`);
    process.exitCode = 70;
  },
);
