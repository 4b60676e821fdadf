/** An in-memory stand-in for the Cache API (`caches`), which Node does not have. */
export class MemoryCache {
  readonly entries = new Map<string, { body: ArrayBuffer; init: ResponseInit }>();

  async match(request: string): Promise<Response | undefined> {
    const entry = this.entries.get(request);
    return entry === undefined ? undefined : new Response(entry.body.slice(0), entry.init);
  }

  async keys(): Promise<Request[]> {
    return [...this.entries.keys()].map((url) => new Request(url));
  }

  async put(request: string, response: Response): Promise<void> {
    const headers: Record<string, string> = {};
    response.headers.forEach((value, key) => {
      headers[key] = value;
    });
    const body = await response.arrayBuffer();
    this.entries.set(request, { body, init: { status: response.status, headers } });
  }
}

/** `caches` with named {@link MemoryCache}s. */
export class MemoryCacheStorage {
  readonly caches = new Map<string, MemoryCache>();

  async open(name: string): Promise<MemoryCache> {
    let cache = this.caches.get(name);
    if (cache === undefined) {
      cache = new MemoryCache();
      this.caches.set(name, cache);
    }
    return cache;
  }
}
