import { readEnvironment } from './environment.js';
import { RuntimeError } from './errors.js';

/** The default Hugging Face hub. */
export const defaultHubEndpoint = 'https://huggingface.co';

/** A Hugging Face hub model: `owner/name` at a revision (branch, tag or commit). */
export interface HubRepository {
  /** `owner/name`. */
  repository: string;
  /** Branch, tag or commit; `main` unless given. */
  revision: string;
}

const hubPattern = /^([A-Za-z0-9][\w.-]*)\/([\w.-]+)(?:@(.+))?$/;

/**
 * Reads `owner/name` or `owner/name@revision`; undefined when `text` is not of that form.
 * `revision` (an option) overrides the one in the text.
 */
export function parseHubRepository(text: string, revision?: string): HubRepository | undefined {
  const match = hubPattern.exec(text);
  if (match === null || match[2].endsWith('.') || match[2].includes('..')) return undefined;
  const chosen = revision ?? match[3] ?? 'main';
  if (chosen === '' || /\s/.test(chosen)) {
    throw new RuntimeError(
      'INVALID_ARGUMENT',
      `"${chosen}" is not a revision (a branch, tag or commit).`,
    );
  }
  return { repository: `${match[1]}/${match[2]}`, revision: chosen };
}

/** Whether `text` is an http(s) URL. */
export function isHttpUrl(text: string): boolean {
  return /^https?:\/\//i.test(text);
}

/**
 * The hub to download from: the option, else `BG_GPT2_HUB_ENDPOINT`, else `HF_ENDPOINT`, else
 * https://huggingface.co. Without a trailing slash.
 */
export function resolveHubEndpoint(endpoint?: string): string {
  const chosen =
    endpoint ??
    readEnvironment('BG_GPT2_HUB_ENDPOINT') ??
    readEnvironment('HF_ENDPOINT') ??
    defaultHubEndpoint;
  if (!isHttpUrl(chosen)) {
    throw new RuntimeError(
      'INVALID_ARGUMENT',
      `The hub endpoint "${chosen}" is not an http(s) URL.`,
    );
  }
  return chosen.replace(/\/+$/, '');
}

/** Encodes each segment of a relative file path (`onnx/model.onnx`) for a URL. */
export function encodeFilePath(file: string): string {
  return file.split('/').map(encodeURIComponent).join('/');
}

/** `${endpoint}/${owner}/${name}/resolve/${revision}/${file}` — where the hub serves a file. */
export function hubFileUrl(endpoint: string, hub: HubRepository, file: string): string {
  return `${endpoint}/${hub.repository}/resolve/${encodeURIComponent(hub.revision)}/${encodeFilePath(file)}`;
}

/** `${baseUrl}/${file}`, with exactly one slash between. */
export function baseUrlFile(baseUrl: string, file: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/${encodeFilePath(file)}`;
}
