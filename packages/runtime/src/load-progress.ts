/**
 * Progress of loading a model, reported for each file being downloaded (`phase: 'download'`,
 * byte counts) or converted (`phase: 'convert'`, units of work). `loaded` never decreases for a
 * file and ends equal to `total` when the total is known.
 */
export interface LoadProgress {
  phase: 'download' | 'convert';
  /** The file, relative to the model (`config.json`, `onnx/model.onnx`, …). */
  file: string;
  /** Bytes (or work units) done so far. */
  loaded: number;
  /** Bytes (or work units) in all; undefined when the server does not say. */
  total: number | undefined;
}

/** Receives {@link LoadProgress} reports. */
export type LoadProgressCallback = (progress: LoadProgress) => void;
