import { describe, expect, it } from 'vitest';
import {
  BgGpt2Error,
  fromHuggingFaceOptions,
  generate,
  type ProcessorChain,
  SamplerError,
  type TopKProcessor,
  TopPProcessor,
} from '../src/index.js';
import { ToyModel } from './toy-model.js';

function names(options: ReturnType<typeof fromHuggingFaceOptions>): string[] {
  return (options.processor as ProcessorChain).processors.map(
    (processor) => processor.constructor.name,
  );
}

function thrown(run: () => unknown): SamplerError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(SamplerError);
    expect(error).toBeInstanceOf(BgGpt2Error);
    return error as SamplerError;
  }
  throw new Error('expected an error');
}

describe('fromHuggingFaceOptions', () => {
  it("maps the model card's call one to one", () => {
    // model.generate(input_ids, do_sample=True, max_length=50, top_p=0.92, top_k=0, pad_token_id=2)
    const options = fromHuggingFaceOptions({
      do_sample: true,
      max_length: 50,
      top_p: 0.92,
      top_k: 0,
      pad_token_id: 2,
    });
    expect(names(options)).toEqual(['TopPProcessor']);
    const [topP] = (options.processor as ProcessorChain).processors as [TopPProcessor];
    expect(topP.topP).toBe(0.92);
    expect(topP.minTokensToKeep).toBe(1);
    expect(options).toMatchObject({
      doSample: true,
      maxLength: 50,
      padTokenId: 2,
      numBeams: 1,
      numReturnSequences: 1,
      lengthPenalty: 1,
      earlyStopping: false,
    });
    expect(options.maxNewTokens).toBeUndefined();
    expect(options.eosTokenIds).toBeUndefined();
  });

  it("uses GenerationConfig's defaults: top_k 50 when sampling, max_length 20", () => {
    const options = fromHuggingFaceOptions({ do_sample: true });
    expect(names(options)).toEqual(['TopKProcessor']);
    expect(((options.processor as ProcessorChain).processors[0] as TopKProcessor).topK).toBe(50);
    expect(options.maxLength).toBe(20);
    expect(names(fromHuggingFaceOptions({}))).toEqual([]);
    expect(fromHuggingFaceOptions({}).doSample).toBe(false);
  });

  it("builds the chain in generate's order, warpers only when sampling", () => {
    const everything = {
      sequence_bias: [[[1], 0.5]] as [number[], number][],
      repetition_penalty: 1.2,
      no_repeat_ngram_size: 3,
      bad_words_ids: [[4, 5]],
      min_length: 5,
      min_new_tokens: 2,
      forced_eos_token_id: 7,
      suppress_tokens: [9],
      begin_suppress_tokens: [8],
      eos_token_id: 7,
      temperature: 0.7,
      top_k: 40,
      top_p: 0.9,
      min_p: 0.05,
      typical_p: 0.95,
      epsilon_cutoff: 3e-4,
      eta_cutoff: 1e-3,
      renormalize_logits: true,
      max_new_tokens: 30,
    };
    expect(names(fromHuggingFaceOptions({ ...everything, do_sample: true }))).toEqual([
      'SequenceBiasProcessor',
      'RepetitionPenaltyProcessor',
      'NoRepeatNGramProcessor',
      'BadWordsProcessor',
      'MinLengthProcessor',
      'MinNewTokensProcessor',
      'ForcedEosProcessor',
      'SuppressTokensProcessor',
      'SuppressTokensProcessor',
      'TemperatureProcessor',
      'TopKProcessor',
      'TopPProcessor',
      'MinPProcessor',
      'TypicalPProcessor',
      'EpsilonProcessor',
      'EtaProcessor',
      'LogSoftmaxProcessor',
    ]);
    expect(names(fromHuggingFaceOptions(everything))).toEqual([
      'SequenceBiasProcessor',
      'RepetitionPenaltyProcessor',
      'NoRepeatNGramProcessor',
      'BadWordsProcessor',
      'MinLengthProcessor',
      'MinNewTokensProcessor',
      'ForcedEosProcessor',
      'SuppressTokensProcessor',
      'SuppressTokensProcessor',
      'LogSoftmaxProcessor',
    ]);
  });

  it('maps the settings: max_new_tokens wins, pad defaults to eos, beams', () => {
    const options = fromHuggingFaceOptions({
      max_length: 100,
      max_new_tokens: 12,
      eos_token_id: [5, 6],
      num_beams: 4,
      length_penalty: 0.8,
      early_stopping: 'never',
      num_return_sequences: 2,
    });
    expect(options).toMatchObject({
      maxNewTokens: 12,
      eosTokenIds: [5, 6],
      padTokenId: 5,
      numBeams: 4,
      lengthPenalty: 0.8,
      earlyStopping: 'never',
      numReturnSequences: 2,
      doSample: false,
    });
    expect(options.maxLength).toBeUndefined();
  });

  it("takes the model's generation config as defaults", () => {
    const config = {
      eos_token_id: 50256,
      bos_token_id: 50256,
      n_layer: 6,
      vocab_size: 50257,
      top_k: 10,
    };
    const options = fromHuggingFaceOptions(
      { do_sample: true, top_p: 0.92, pad_token_id: 2 },
      config,
    );
    expect(options.eosTokenIds).toEqual([50256]);
    expect(options.padTokenId).toBe(2);
    expect(names(options)).toEqual(['TopKProcessor', 'TopPProcessor']);
    expect(names(fromHuggingFaceOptions({ do_sample: true, top_k: 0 }, config))).toEqual([]);
  });

  it('temperature 0 with sampling means greedy', () => {
    const options = fromHuggingFaceOptions({ do_sample: true, temperature: 0, top_p: 0.5 });
    expect(options.doSample).toBe(false);
    expect(names(options)).toEqual([]);
  });

  it('accepts nulls and neutral values, rejects what it does not implement', () => {
    expect(
      names(
        fromHuggingFaceOptions({
          top_k: null,
          num_beam_groups: 1,
          diversity_penalty: 0,
          use_cache: true,
        }),
      ),
    ).toEqual([]);
    for (const options of [
      { num_beam_groups: 2 },
      { penalty_alpha: 0.6 },
      { stop_strings: ['.'] },
      { top_p: 1.5, do_sample: true },
      { top_k: -1, do_sample: true },
      { early_stopping: 'always' },
      { num_beams: 0 },
    ]) {
      expect(
        thrown(() => fromHuggingFaceOptions(options as never)).code,
        JSON.stringify(options),
      ).toBe('INVALID_ARGUMENT');
    }
    expect(thrown(() => fromHuggingFaceOptions({ num_beam_groups: 2 })).message).toMatch(
      /num_beam_groups=2/,
    );
  });

  it('drives generate end to end', async () => {
    const options = fromHuggingFaceOptions({
      do_sample: true,
      max_length: 9,
      top_p: 0.92,
      top_k: 0,
      pad_token_id: 2,
    });
    const first = await generate(new ToyModel(), [1, 2, 3], { ...options, seed: 5 });
    const again = await generate(new ToyModel(), [1, 2, 3], { ...options, seed: 5 });
    expect(first.tokens).toHaveLength(6);
    expect(again.tokens).toEqual(first.tokens);
    const beams = fromHuggingFaceOptions({
      num_beams: 3,
      max_new_tokens: 4,
      num_return_sequences: 3,
      eos_token_id: 5,
    });
    expect((await generate(new ToyModel(), [1], beams)).sequences).toHaveLength(3);
  });
});

describe('SamplerError', () => {
  it('is a BgGpt2Error with a code and a message that says what to do', () => {
    const error = thrown(() => new TopPProcessor(2));
    expect(error.name).toBe('SamplerError');
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toMatch(/topP must be a number in \[0, 1\]/);
  });
});
