import type { GenerationOptions } from 'bg-gpt2';
import type { CommandLine } from './arguments.js';
import { CliError } from './cli-error.js';
import { numberFlag, stringFlag, unescapeFlagText } from './flag-values.js';

/** The generation flags, for the help texts. */
export const generationFlagsHelp = `Decoding (Hugging Face generate() names; defaults as Hugging Face, 50 new tokens):
  --max-new-tokens <n>        tokens to generate at most
  --max-length <n>            prompt + generated tokens at most
  --min-new-tokens <n>        no end-of-text before this many tokens
  --greedy                    always the most likely token (the default)
  --do-sample                 sample from the distribution
  --temperature <t>           sampling temperature (default 1)
  --top-k <k>                 keep the k most likely tokens (default 50 when sampling; 0 = off)
  --top-p <p>                 nucleus: keep the smallest set with probability ≥ p (default 1)
  --min-p <p>                 keep tokens with probability ≥ p × the top one
  --typical-p <p>             locally typical sampling (default 1 = off)
  --epsilon-cutoff <e>, --eta-cutoff <e>
  --repetition-penalty <r>    Hugging Face's repetition penalty (default 1 = off; try 1.2)
  --no-repeat-ngram-size <n>  never repeat an n-gram
  --num-beams <n>             beam search with n beams
  --length-penalty <x>        beam search length exponent (default 1)
  --early-stopping <v>        beam search: true | false | never (default false)
  --num-return-sequences <n>  sequences to print
  --seed <n>                  seed for sampling: same seed, same text
  --stop <text>               stop before this text (repeatable; \\n is a newline)
  --eos-token-id <id>, --pad-token-id <id>
`;

/** {@link GenerationOptions} from the command line's decoding flags. */
export function generationOptionsFromFlags(commandLine: CommandLine): GenerationOptions {
  const options: GenerationOptions = {};
  const integer = (name: string, minimum = 0): number | undefined =>
    numberFlag(commandLine, name, { integer: true, minimum });
  const set = <Name extends keyof GenerationOptions>(
    name: Name,
    value: GenerationOptions[Name] | undefined,
  ): void => {
    if (value !== undefined) options[name] = value;
  };
  const flags = commandLine.flags;
  if (flags.has('greedy') && flags.has('do-sample')) {
    throw new CliError('usage', '--greedy and --do-sample exclude each other.');
  }
  if (flags.has('do-sample')) options.doSample = true;
  if (flags.has('greedy')) options.doSample = false;
  set('maxNewTokens', integer('max-new-tokens'));
  set('maxLength', integer('max-length'));
  set('minNewTokens', integer('min-new-tokens'));
  set('temperature', numberFlag(commandLine, 'temperature', { minimum: 0 }));
  set('topK', integer('top-k'));
  set('topP', numberFlag(commandLine, 'top-p', { minimum: 0, maximum: 1 }));
  set('minP', numberFlag(commandLine, 'min-p', { minimum: 0, maximum: 1 }));
  set('typicalP', numberFlag(commandLine, 'typical-p', { minimum: 0, maximum: 1 }));
  set('epsilonCutoff', numberFlag(commandLine, 'epsilon-cutoff', { minimum: 0, maximum: 1 }));
  set('etaCutoff', numberFlag(commandLine, 'eta-cutoff', { minimum: 0, maximum: 1 }));
  set('repetitionPenalty', numberFlag(commandLine, 'repetition-penalty', { minimum: 0 }));
  set('noRepeatNgramSize', integer('no-repeat-ngram-size'));
  set('numBeams', integer('num-beams', 1));
  set('lengthPenalty', numberFlag(commandLine, 'length-penalty'));
  set('numReturnSequences', integer('num-return-sequences', 1));
  set('seed', integer('seed'));
  set('eosTokenId', integer('eos-token-id'));
  set('padTokenId', integer('pad-token-id'));
  const earlyStopping = stringFlag(commandLine, 'early-stopping');
  if (earlyStopping !== undefined) {
    if (!['true', 'false', 'never'].includes(earlyStopping)) {
      throw new CliError(
        'usage',
        `--early-stopping is true, false or never; got "${earlyStopping}".`,
      );
    }
    options.earlyStopping = earlyStopping === 'never' ? 'never' : earlyStopping === 'true';
  }
  const stops = commandLine.repeated.get('stop');
  if (stops !== undefined) options.stop = stops.map(unescapeFlagText);
  return options;
}
