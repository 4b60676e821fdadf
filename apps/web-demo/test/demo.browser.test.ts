import { mkdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { type PreviewServer, preview } from 'vite';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { guardNetwork, launchChromium } from './chromium.js';

// The built demo (dist/, made by `vite build` before the tests) served by `vite preview` — what
// `pnpm demo:web` runs — and driven in Chromium.

const appFolder = join(dirname(fileURLToPath(import.meta.url)), '..');
/** Where the screenshots go (kept by CI as test artifacts). */
const artifacts = join(appFolder, 'test-results');
const require = createRequire(import.meta.url);

let server: PreviewServer;
let origin: string;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let network: { outside: string[] };

beforeAll(async () => {
  server = await preview({
    root: appFolder,
    configFile: join(appFolder, 'vite.config.ts'),
    logLevel: 'warn',
    preview: { port: 0, strictPort: false, host: '127.0.0.1' },
  });
  const address = server.httpServer.address() as AddressInfo;
  origin = `http://127.0.0.1:${address.port}`;
  browser = await launchChromium();
  await mkdir(artifacts, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => server?.httpServer.close(() => resolve()));
});

afterEach(async () => {
  expect(network.outside).toEqual([]);
  await context?.close();
});

async function open(colorScheme: 'light' | 'dark' = 'light'): Promise<void> {
  context = await browser.newContext({ viewport: { width: 900, height: 900 }, colorScheme });
  network = await guardNetwork(context);
  page = await context.newPage();
  await page.goto(`${origin}/`);
  await page.waitForFunction(
    () => document.querySelector('bg-complete')?.getAttribute('state') === 'ready',
    null,
    { timeout: 60_000 },
  );
}

async function suggestionAfterTyping(text: string): Promise<string> {
  const complete = page.evaluate(
    () =>
      new Promise<string>((resolve) => {
        document.querySelector('bg-complete')!.addEventListener('bg-suggestion', (event) => {
          const detail = (event as CustomEvent<{ suggestion: string; complete: boolean }>).detail;
          if (detail.complete && detail.suggestion !== '') resolve(detail.suggestion);
        });
      }),
  );
  await page.locator('#text').click();
  await page.keyboard.type(text);
  return complete;
}

describe('the web demo (vite preview, Chromium)', () => {
  it('serves a cross-origin isolated page, and the model loads in the widget worker', async () => {
    await open();
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    const status = await page.locator('#status').textContent();
    expect(status).toMatch(/onnxruntime-web/);
    const headers = (await page.request.get(`${origin}/ort/ort-wasm-simd-threaded.wasm`)).headers();
    expect(headers['content-type']).toBe('application/wasm');
    expect(headers['cross-origin-embedder-policy']).toBe('require-corp');
  });

  it('completes "Здравей, ": Tab accepts; the screenshot is saved', async () => {
    await open();
    const suggestion = await suggestionAfterTyping('Здравей, ');
    expect(suggestion.length).toBeGreaterThan(0);
    await page.screenshot({ path: join(artifacts, 'web-demo.png'), fullPage: true });
    await page.keyboard.press('Tab');
    expect(await page.locator('#text').inputValue()).toBe(`Здравей, ${suggestion}`);
  });

  it('works in dark mode (screenshot)', async () => {
    await open('dark');
    await suggestionAfterTyping('Добро утро');
    const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(background).not.toBe('rgb(255, 255, 255)');
    await page.screenshot({ path: join(artifacts, 'web-demo-dark.png'), fullPage: true });
  });

  it('submits the text with the form', async () => {
    await open();
    await page.locator('#text').fill('Здравей, свят');
    await Promise.all([page.waitForURL(/\?text=/), page.locator('button[type=submit]').click()]);
    expect(new URL(page.url()).searchParams.get('text')).toBe('Здравей, свят');
  });

  it('passes an axe accessibility check, with a suggestion shown', async () => {
    await open();
    await suggestionAfterTyping('Здравей, ');
    const axeSource = await readFile(require.resolve('axe-core/axe.min.js'), 'utf8');
    await page.addScriptTag({ content: axeSource });
    const result = (await page.evaluate(() =>
      (
        globalThis as unknown as {
          axe: { run(context: unknown, options: unknown): Promise<unknown> };
        }
      ).axe.run(document, { resultTypes: ['violations'] }),
    )) as { violations: { id: string; help: string; nodes: { target: unknown }[] }[] };
    const violations = result.violations.map(
      (violation) =>
        `${violation.id}: ${violation.help} (${violation.nodes.map((node) => JSON.stringify(node.target)).join(', ')})`,
    );
    expect(violations).toEqual([]);
  });
});
