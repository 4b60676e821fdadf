import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  baseUrlFile,
  checkModelDataType,
  hubFileUrl,
  onnxFileName,
  parseHubRepository,
  parseModelConfig,
  RuntimeError,
  resolveHubEndpoint,
} from '../src/index.js';
import { defaultCacheDirectory } from '../src/node.js';

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('model sources', () => {
  it('reads hub repository ids with an optional revision', () => {
    expect(parseHubRepository('rmihaylov/gpt2-small-theseus-bg')).toEqual({
      repository: 'rmihaylov/gpt2-small-theseus-bg',
      revision: 'main',
    });
    expect(parseHubRepository('owner/name@v1.0')).toEqual({
      repository: 'owner/name',
      revision: 'v1.0',
    });
    expect(parseHubRepository('owner/name@v1.0', 'abc123')?.revision).toBe('abc123');
    expect(parseHubRepository('just-a-name')).toBeUndefined();
    expect(parseHubRepository('a/b/c')).toBeUndefined();
    expect(parseHubRepository('./a/b')).toBeUndefined();
  });

  it('builds the hub URL of a file', () => {
    const hub = { repository: 'owner/name', revision: 'refs/pr/1' };
    expect(hubFileUrl('https://huggingface.co', hub, 'onnx/model.onnx')).toBe(
      'https://huggingface.co/owner/name/resolve/refs%2Fpr%2F1/onnx/model.onnx',
    );
    expect(baseUrlFile('https://example.com/models/', 'config.json')).toBe(
      'https://example.com/models/config.json',
    );
  });

  it('takes the endpoint from the option, BG_GPT2_HUB_ENDPOINT, HF_ENDPOINT, then the default', () => {
    expect(resolveHubEndpoint()).toBe('https://huggingface.co');
    vi.stubEnv('HF_ENDPOINT', 'https://hf-mirror.example/');
    expect(resolveHubEndpoint()).toBe('https://hf-mirror.example');
    vi.stubEnv('BG_GPT2_HUB_ENDPOINT', 'http://127.0.0.1:8080');
    expect(resolveHubEndpoint()).toBe('http://127.0.0.1:8080');
    expect(resolveHubEndpoint('https://option.example')).toBe('https://option.example');
    expect(() => resolveHubEndpoint('ftp://x')).toThrow(RuntimeError);
  });

  it('names dtype files as transformers.js does', () => {
    expect(onnxFileName(checkModelDataType(undefined))).toBe('model.onnx');
    expect(onnxFileName('q4')).toBe('model_q4.onnx');
    expect(onnxFileName('q8')).toBe('model_quantized.onnx');
    expect(() => checkModelDataType('int3')).toThrow(/dtype/);
  });

  it('finds the cache directory from BG_GPT2_CACHE, XDG_CACHE_HOME, then ~/.cache', () => {
    vi.stubEnv('BG_GPT2_CACHE', '');
    vi.stubEnv('XDG_CACHE_HOME', '/tmp/xdg');
    expect(defaultCacheDirectory()).toBe('/tmp/xdg/bg-gpt2');
    vi.stubEnv('BG_GPT2_CACHE', '/tmp/explicit');
    expect(defaultCacheDirectory()).toBe('/tmp/explicit');
    vi.stubEnv('BG_GPT2_CACHE', '');
    vi.stubEnv('XDG_CACHE_HOME', '');
    expect(defaultCacheDirectory()).toMatch(/[/\\]\.cache[/\\]bg-gpt2$/);
  });
});

describe('model config', () => {
  it('reads the GPT-2 fields', () => {
    const config = parseModelConfig({
      n_layer: 6,
      n_head: 12,
      n_embd: 768,
      n_positions: 1024,
      vocab_size: 50257,
      bos_token_id: 50256,
      eos_token_id: 50256,
    });
    expect(config).toMatchObject({
      layerCount: 6,
      headCount: 12,
      hiddenSize: 768,
      headSize: 64,
      contextLength: 1024,
      vocabularySize: 50257,
      beginningOfTextTokenId: 50256,
      endOfTextTokenId: 50256,
    });
  });

  it('refuses a config without the fields with MODEL_INVALID', () => {
    expect(() => parseModelConfig({ n_layer: 1 })).toThrow(/n_head/);
    expect(() =>
      parseModelConfig({ n_layer: 1, n_head: 3, n_embd: 8, n_positions: 4, vocab_size: 2 }),
    ).toThrow(/multiple/);
    expect(() => parseModelConfig([])).toThrow(RuntimeError);
  });
});
