import type { Vocabulary } from '../vocabulary.js';
import { characterLength, type SegmentationModel, type Segments } from './segments.js';

/** The `char` model: one piece per character (user-defined symbols kept whole). */
export class CharacterModel implements SegmentationModel {
  constructor(private readonly vocabulary: Vocabulary) {}

  encode(units: Uint16Array, length: number, output: Segments): void {
    const vocabulary = this.vocabulary;
    for (let position = 0; position < length; ) {
      const user = vocabulary.userDefined?.longestMatch(units, position, length);
      const size = user ? user.length : characterLength(units, position, length);
      const piece = String.fromCharCode(...units.subarray(position, position + size));
      output.push(position, position + size, vocabulary.pieceToId(piece));
      position += size;
    }
  }
}
