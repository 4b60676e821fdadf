/** A response after following redirects, with the hub's metadata of the file. */
export interface FollowedResponse {
  /** The last response (not a redirect). */
  response: Response;
  /** Its URL. */
  url: string;
  /**
   * `X-Linked-Etag` from any hop: the hub puts the sha256 of an LFS file there on the redirect to
   * its storage (whose own ETag is something else).
   */
  linkedEtag: string | undefined;
  /** `X-Linked-Size` from any hop: the size of an LFS file. */
  linkedSize: number | undefined;
}

const redirectStatuses = new Set([301, 302, 303, 307, 308]);

/**
 * `fetch` that follows redirects itself (at most 10), so that headers only the redirect carries
 * are seen, and the `authorization` header is not sent to another origin.
 */
export async function fetchFollowingRedirects(
  url: string,
  headers: Record<string, string>,
  signal?: AbortSignal,
): Promise<FollowedResponse> {
  let current = url;
  const sent: Record<string, string> = { ...headers };
  let linkedEtag: string | undefined;
  let linkedSize: number | undefined;
  for (let hop = 0; ; hop++) {
    const response = await fetch(current, { headers: sent, redirect: 'manual', signal });
    linkedEtag ??= response.headers.get('x-linked-etag') ?? undefined;
    const size = response.headers.get('x-linked-size');
    if (linkedSize === undefined && size !== null && /^\d+$/.test(size.trim()))
      linkedSize = Number(size);
    const location = response.headers.get('location');
    if (!redirectStatuses.has(response.status) || location === null) {
      return { response, url: current, linkedEtag, linkedSize };
    }
    await response.body?.cancel().catch(() => undefined);
    if (hop >= 10) throw new Error(`too many redirects (last to ${location})`);
    const next = new URL(location, current);
    if (next.origin !== new URL(current).origin) delete sent.authorization;
    current = next.href;
  }
}

/**
 * The sha256 an ETag stands for, when it is one: 64 hex digits (the hub's ETag of LFS files),
 * quotes and a weak `W/` prefix removed. Undefined for anything else (git blob ids, MD5s, …).
 */
export function sha256FromEtag(etag: string | null | undefined): string | undefined {
  if (etag === null || etag === undefined) return undefined;
  const bare = etag
    .trim()
    .replace(/^W\//, '')
    .replace(/^"(.*)"$/, '$1')
    .toLowerCase();
  return /^[0-9a-f]{64}$/.test(bare) ? bare : undefined;
}
