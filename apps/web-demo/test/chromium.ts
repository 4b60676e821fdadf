import { existsSync } from 'node:fs';
import { type Browser, type BrowserContext, chromium } from 'playwright-core';

/**
 * Chromium for the tests: `CHROMIUM_PATH`, else Debian's `/usr/bin/chromium` (`apt-get install -y
 * chromium`, or packages/widget/scripts/install-chromium.sh), else other usual places.
 */
export function findChromium(): string {
  const candidates = [
    process.env.CHROMIUM_PATH,
    '/usr/bin/chromium',
    '/usr/bin/chromium-browser',
    '/usr/bin/google-chrome',
    '/usr/bin/google-chrome-stable',
  ];
  for (const candidate of candidates) {
    if (candidate !== undefined && candidate !== '' && existsSync(candidate)) return candidate;
  }
  throw new Error(
    'The browser tests need Chromium and found none. Install it with ' +
      '`sudo apt-get install -y chromium` (or run packages/widget/scripts/install-chromium.sh), or ' +
      'set CHROMIUM_PATH to a Chromium or Chrome binary.',
  );
}

/** Headless Chromium with the flags these machines need (see shared/ENVIRONMENT.md). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: findChromium(),
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
      // Any host but 127.0.0.1 fails to resolve: nothing can leave the machine.
      '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1',
    ],
  });
}

/** Fails and records every request of the context (pages and workers) not to 127.0.0.1. */
export async function guardNetwork(context: BrowserContext): Promise<{ outside: string[] }> {
  const outside: string[] = [];
  const local = (href: string) => {
    const url = new URL(href);
    return url.protocol === 'data:' || url.protocol === 'blob:' || url.hostname === '127.0.0.1';
  };
  await context.route('**/*', (route) => {
    if (local(route.request().url())) return route.continue();
    outside.push(route.request().url());
    return route.abort('blockedbyclient');
  });
  context.on('request', (request) => {
    if (!local(request.url()) && !outside.includes(request.url())) outside.push(request.url());
  });
  return { outside };
}
