import { decodeUnits } from '../normalizer/normalizer.js';
import type { Vocabulary } from '../vocabulary.js';
import { characterLength, type SegmentationModel, type Segments } from './segments.js';

const spaceSymbolUnit = 0x2581;

/** The `word` model: a piece per whitespace-delimited word, each word starting with its `▁`. */
export class WordModel implements SegmentationModel {
  constructor(private readonly vocabulary: Vocabulary) {}

  encode(units: Uint16Array, length: number, output: Segments): void {
    let wordStart = 0;
    const emit = (end: number) => {
      if (end > wordStart) {
        output.push(wordStart, end, this.vocabulary.pieceToId(decodeUnits(units, wordStart, end)));
      }
    };
    for (let position = 0; position < length; ) {
      if (units[position] === spaceSymbolUnit && position > 0) {
        emit(position);
        wordStart = position;
      }
      position += characterLength(units, position, length);
    }
    emit(length);
  }
}
