// The first command of the README: tokenize a Bulgarian sentence with the bundled test model
// (a 50 000-piece unigram SentencePiece trained on Bulgarian text, like the real model's) and
// turn the ids back into text. Run: pnpm demo [text]
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BgGpt2TextTokenizer, loadSentencePieceSync } from '@bg-gpt2/tokenizer/node';

const here = dirname(fileURLToPath(import.meta.url));
const modelPath = join(
  here,
  '..',
  '..',
  'packages',
  'tokenizer',
  'fixtures',
  'models',
  'unigram-bg.model',
);
const text =
  process.argv.slice(2).join(' ') ||
  'Здравей, свят! Как си днес?\nВтори ред с „кавички“ и числа: 1 234,50 лв.';

const sentencePiece = loadSentencePieceSync(modelPath);
const tokenizer = new BgGpt2TextTokenizer(sentencePiece);
const ids = tokenizer.encode(text);
const pieces = tokenizer.encodeAsPieces(text);
const decoded = tokenizer.decode(ids);

console.log(`model:   ${modelPath} (${sentencePiece.vocabularySize} pieces)`);
console.log(`text:    ${JSON.stringify(text)}`);
console.log(`pieces:  ${pieces.join(' ')}`);
console.log(`ids:     ${ids.join(' ')}`);
console.log(`decoded: ${JSON.stringify(decoded)}`);
console.log(decoded === text ? 'round trip: identical' : 'round trip: DIFFERENT');
process.exitCode = decoded === text ? 0 : 1;
