import { RuntimeError } from './errors.js';

/**
 * The error for a session ONNX Runtime would not create: `INVALID_ARGUMENT` when it refused the
 * session options (its option checks throw a `TypeError`, or a message naming `sessionOptions`)
 * — nothing is wrong with the model then; a `RuntimeError` the backend threw, as it is; else
 * `MODEL_INVALID`, with `advice` on what to do about the file.
 */
export function sessionCreationError(
  backendName: string,
  model: string,
  cause: unknown,
  advice: string,
): RuntimeError {
  // A backend that already said what is wrong in this package's terms (say, its WebAssembly
  // files are missing: NO_BACKEND) is passed on as it is.
  if (cause instanceof RuntimeError) return cause;
  const message = cause instanceof Error ? cause.message : String(cause);
  if (cause instanceof TypeError || /sessionOptions/.test(message)) {
    return new RuntimeError(
      'INVALID_ARGUMENT',
      `ONNX Runtime (${backendName}) refused the session options for ${model}: ${message}. ` +
        'Check the sessionOptions passed to loadModel (the model file itself was not the problem).',
      { cause },
    );
  }
  return new RuntimeError(
    'MODEL_INVALID',
    `ONNX Runtime (${backendName}) cannot load ${model}: ${message}. ${advice}`,
    { cause },
  );
}
