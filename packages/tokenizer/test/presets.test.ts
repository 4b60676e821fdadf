import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  AlbertTokenizer,
  BgGpt2TextTokenizer,
  fromModelText,
  loadTokenizerJson,
  preprocessAlbert,
  toModelText,
} from '../src/index.js';
import { type ExpectedEncoding, fixturesDirectory, loadModel, readJsonLines } from './fixtures.js';

interface AlbertRecord {
  model: string;
  config: { do_lower_case: boolean; keep_accents: boolean; remove_space: boolean };
  text: string;
  preprocessed: string;
  pieces: string[];
  ids: number[];
}

const albertRecords = readJsonLines<AlbertRecord>('expected/albert-presets.jsonl.gz');

describe('ALBERT preprocessing (transcribed from HF AlbertTokenizer)', () => {
  it('has fixtures for every configuration', () => {
    expect(
      new Set(albertRecords.map((record) => JSON.stringify(record.config))).size,
    ).toBeGreaterThanOrEqual(3);
  });

  it('preprocesses, splits digit-commas and maps ids as HF does', () => {
    for (const record of albertRecords) {
      const options = {
        doLowerCase: record.config.do_lower_case,
        keepAccents: record.config.keep_accents,
        removeSpace: record.config.remove_space,
      };
      const tokenizer = new AlbertTokenizer(loadModel(record.model), options);
      const label = JSON.stringify([record.text, record.config]);
      expect(preprocessAlbert(record.text, options), label).toBe(record.preprocessed);
      expect(tokenizer.encodeAsPieces(record.text), label).toEqual(record.pieces);
      expect(tokenizer.encode(record.text), label).toEqual(record.ids);
    }
  });
});

describe('the bg-gpt2 text convention', () => {
  const tokenizer = new BgGpt2TextTokenizer(loadModel('unigram-bg'));

  it('encodes a line break as <|n|>', () => {
    const newline = loadModel('unigram-bg').pieceToId('<|n|>');
    expect(tokenizer.encode('Първи ред\nвтори ред')).toContain(newline);
    expect(toModelText('a\r\nb\rc\nd')).toBe('a<|n|>b<|n|>c<|n|>d');
  });

  it('decodes <|n|>, <|endoftext|> and <|unknown|> as the model card does', () => {
    expect(fromModelText('Здравей,<|n|>свят<|unknown|>!<|endoftext|>Нов')).toBe(
      'Здравей,\nсвят!\n\n\nНов',
    );
    const ids = tokenizer.encode('Първи ред\nвтори ред');
    expect(tokenizer.decode(ids)).toBe('Първи ред\nвтори ред');
  });

  it('streams the same text, never splitting a symbol', () => {
    const sentencePiece = loadModel('unigram-bg');
    const ids = sentencePiece.encode('Ред<|n|>ред<|endoftext|>край<|unknown|>.');
    const decoder = tokenizer.createStreamingDecoder();
    const deltas = ids.map((id) => decoder.push(id));
    deltas.push(decoder.flush());
    expect(deltas.join('')).toBe(tokenizer.decode(ids));
    expect(deltas.some((delta) => delta.includes('<|'))).toBe(false);
  });
});

describe('a Hugging Face tokenizer.json', () => {
  const json = readFileSync(join(fixturesDirectory, 'models', 'unigram-bg.tokenizer.json'), 'utf8');
  const fromJson = loadTokenizerJson(json);
  const records = readJsonLines<ExpectedEncoding>('expected/unigram-bg.jsonl.gz');

  it('encodes every fixture line exactly as the .model does', () => {
    expect(fromJson.vocabularySize).toBe(loadModel('unigram-bg').vocabularySize);
    const mismatches = records.filter(
      (record) => JSON.stringify(fromJson.encode(record.text)) !== JSON.stringify(record.ids),
    );
    expect(mismatches.map((record) => record.text)).toEqual([]);
  });

  it('decodes as the .model does', () => {
    for (const record of records.slice(0, 500))
      expect(fromJson.decode(record.ids)).toBe(record.decoded);
  });

  it('refuses other tokenizer kinds with a typed error', () => {
    expect(() => loadTokenizerJson('{"model":{"type":"BPE","vocab":{}}}')).toThrowError(
      /only Unigram/,
    );
    expect(() => loadTokenizerJson('not json')).toThrowError(
      expect.objectContaining({ code: 'TOKENIZER_JSON_INVALID' }),
    );
  });
});
