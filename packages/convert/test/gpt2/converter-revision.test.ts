import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { convertGpt2ToOnnx } from '../../src/convert-checkpoint.js';
import { converterRevision } from '../../src/converter-revision.js';
import { loadTinyGpt2 } from './fixture-model.js';

// The runtime caches converted checkpoints under the converter's revision. This test keeps the
// revision honest: it records what each kind of conversion of the tiny fixture writes (sha256
// of the file) for the current revision. When the output changes, bump `converterRevision` and
// record the new digests: UPDATE_CONVERTER_DIGESTS=1 pnpm --filter @bg-gpt2/convert test.

const recordPath = join(import.meta.dirname, 'converter-digests.json');
const kinds = [
  { dtype: 'fp32', keyValueOutputs: 'present' },
  { dtype: 'fp32', keyValueOutputs: 'new' },
  { dtype: 'fp16', keyValueOutputs: 'new' },
  { dtype: 'q8', keyValueOutputs: 'new' },
  { dtype: 'int8', keyValueOutputs: 'new' },
  { dtype: 'q4', keyValueOutputs: 'new' },
] as const;

describe('converterRevision', () => {
  it('changes whenever what a conversion writes changes', () => {
    const { config, weights } = loadTinyGpt2();
    const digests: Record<string, string> = {};
    for (const { dtype, keyValueOutputs } of kinds) {
      const bytes = convertGpt2ToOnnx(weights, config, { dtype, keyValueOutputs }).toBytes();
      digests[`${dtype}-${keyValueOutputs}`] = createHash('sha256').update(bytes).digest('hex');
    }
    if (process.env.UPDATE_CONVERTER_DIGESTS === '1') {
      writeFileSync(
        recordPath,
        `${JSON.stringify({ revision: converterRevision, digests }, null, 2)}\n`,
      );
    }
    const recorded = JSON.parse(readFileSync(recordPath, 'utf8')) as {
      revision: string;
      digests: Record<string, string>;
    };
    const changed = Object.keys(digests).filter((kind) => digests[kind] !== recorded.digests[kind]);
    if (recorded.revision === converterRevision) {
      expect(
        changed,
        'the converter writes differently: bump converterRevision (src/converter-revision.ts), then UPDATE_CONVERTER_DIGESTS=1',
      ).toEqual([]);
    } else {
      expect.fail(
        `converterRevision is ${converterRevision} but the digests are recorded for ${recorded.revision}: run UPDATE_CONVERTER_DIGESTS=1`,
      );
    }
  });
});
