import {
  hubFileUrl,
  isOffline,
  type NodeLoadModelOptions,
  parseHubRepository,
  prepareModel,
  resolveHubEndpoint,
} from '@bg-gpt2/runtime/node';
import { LanguageModelError } from '../errors.js';

/** The model this project is for: used when no source is given, when it can be had. */
export const publishedModel = 'rmihaylov/gpt2-small-theseus-bg';

/** Which model a call without a source gets, and why. */
export interface DefaultModelChoice {
  /** The source to load: the published model, or the bundled demo model's folder. */
  source: string;
  /** Whether it is the bundled demo model. */
  demo: boolean;
  /** A one-line notice for the user when the demo model stands in for the published one. */
  notice?: string;
}

/** The bundled demo model: an optional peer dependency, imported only when needed. */
const demoModelPackage = '@bg-gpt2/demo-model';

/** How long the hub gets to answer whether it is reachable. */
const reachabilityTimeout = 5000;

/** Whether the hub answers for the published model's config.json. */
async function hubReachable(options: NodeLoadModelOptions): Promise<boolean> {
  const hub = parseHubRepository(publishedModel, options.revision);
  if (hub === undefined) return false;
  try {
    const response = await fetch(
      hubFileUrl(resolveHubEndpoint(options.endpoint), hub, 'config.json'),
      {
        method: 'HEAD',
        redirect: 'follow',
        signal: AbortSignal.timeout(reachabilityTimeout),
        ...(options.token === undefined
          ? {}
          : { headers: { authorization: `Bearer ${options.token}` } }),
      },
    );
    return response.ok;
  } catch {
    return false;
  }
}

/**
 * The default model: the published `rmihaylov/gpt2-small-theseus-bg` when it is in the cache or
 * the hub is reachable (not in offline mode); otherwise the bundled demo model
 * (`@bg-gpt2/demo-model`), with a notice saying so and how to get the real one.
 *
 * @throws LanguageModelError `INVALID_ARGUMENT` when neither is available (the demo model
 *   package is not installed and the published model cannot be had).
 */
export async function chooseDefaultModel(
  options: NodeLoadModelOptions = {},
): Promise<DefaultModelChoice> {
  const cached = await prepareModel(publishedModel, {
    ...options,
    offline: true,
    onProgress: undefined,
  })
    .then(() => true)
    .catch(() => false);
  if (cached) return { source: publishedModel, demo: false };
  const offline = isOffline(options.offline);
  if (!offline && (await hubReachable(options))) return { source: publishedModel, demo: false };
  let folder: string;
  try {
    ({ demoModelFolder: folder } = (await import(demoModelPackage)) as {
      demoModelFolder: string;
    });
  } catch (cause) {
    throw new LanguageModelError(
      'INVALID_ARGUMENT',
      `The published model ${publishedModel} is not cached${offline ? ' (offline mode)' : ' and the hub is unreachable'}, and the bundled demo model is not installed. ` +
        `Give a model folder, or install @bg-gpt2/demo-model, or run: bg-gpt2 pull ${publishedModel}`,
      { cause },
    );
  }
  return {
    source: folder,
    demo: true,
    notice:
      `using the bundled demo model (a small model trained on Bulgarian text from Debian packages; limited quality): ` +
      `${publishedModel} is not cached${offline ? ' and this is offline mode' : ' and the hub is unreachable'}. ` +
      `Get the real one with: bg-gpt2 pull ${publishedModel}`,
  };
}
