import { mkdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { BgComplete } from '../../src/element.js';
import { modelFolder, tinyModelFolder } from '../model-folder.js';
import {
  attachToWorker,
  chromiumArguments,
  findChromium,
  guardNetwork,
  launchChromium,
  measureHeap,
  type ProtocolSession,
  rendererResidentBytes,
  type StaticServer,
  startStaticServer,
} from './harness.js';

// <bg-complete> in real Chromium: the built files (dist/bg-complete.min.js + dist/worker.js) on a
// page served from 127.0.0.1 with COOP/COEP, the model in a module worker on onnxruntime-web.

const here = dirname(fileURLToPath(import.meta.url));
const packageFolder = join(here, '..', '..');
const artifacts = join(packageFolder, 'test-results');
const require = createRequire(import.meta.url);

let browser: Browser;
let server: StaticServer;
let context: BrowserContext;
let page: Page;
let network: { outside: string[] };
let pageErrors: string[];

beforeAll(async () => {
  server = await startStaticServer({
    '/': join(here, 'page'),
    '/widget/': join(packageFolder, 'dist'),
    '/ort/': join(packageFolder, 'node_modules/onnxruntime-web/dist'),
    '/models/test/': await modelFolder(),
    '/models/tiny/': await tinyModelFolder(),
    '/sampler/': dirname(require.resolve('@bg-gpt2/sampler')),
  });
  browser = await launchChromium();
  await mkdir(artifacts, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

beforeEach(async () => {
  context = await browser.newContext({ viewport: { width: 800, height: 600 } });
  network = await guardNetwork(context);
  page = await context.newPage();
  // Every event of the element from the start (progress comes before the tests could listen).
  await page.addInitScript(() => {
    const events: { type: string; detail: unknown }[] = [];
    (globalThis as unknown as { bgEvents: typeof events }).bgEvents = events;
    for (const type of ['bg-progress', 'bg-ready', 'bg-error', 'bg-accept']) {
      document.addEventListener(type, (event) =>
        events.push({ type, detail: (event as CustomEvent).detail }),
      );
    }
  });
  pageErrors = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto(`${server.origin}/`);
  await page.waitForFunction(
    () => document.querySelector('bg-complete')?.getAttribute('state') === 'ready',
    null,
    { timeout: 60_000 },
  );
});

afterEach(async () => {
  expect(network.outside).toEqual([]);
  await context?.close();
});

/** The element's read-only state, read in the page. */
function read<T>(reader: (element: BgComplete) => T): Promise<T> {
  return page.evaluate(
    `(${reader.toString()})(document.querySelector('bg-complete'))`,
  ) as Promise<T>;
}

/** The code of the element's next `bg-error` event. */
function nextErrorCode(): Promise<string> {
  return page.evaluate(
    () =>
      new Promise<string>((resolve) => {
        document
          .querySelector('bg-complete')!
          .addEventListener(
            'bg-error',
            (event) => resolve((event as CustomEvent<{ code: string }>).detail.code),
            { once: true },
          );
      }),
  );
}

async function typeInto(text: string, delay = 0): Promise<void> {
  await page.locator('bg-complete textarea').click();
  await page.keyboard.type(text, { delay });
}

async function waitForSuggestion(): Promise<string> {
  await page.waitForFunction(() => {
    const element = document.querySelector('bg-complete') as BgComplete | null;
    return element !== null && element.suggestion !== '';
  });
  return read((element) => element.suggestion);
}

async function waitForCompleteSuggestion(): Promise<string> {
  await page.evaluate(
    () =>
      new Promise<void>((resolve) => {
        const element = document.querySelector('bg-complete')!;
        element.addEventListener('bg-suggestion', function listener(event) {
          const detail = (event as CustomEvent<{ suggestion: string; complete: boolean }>).detail;
          if (detail.complete && detail.suggestion !== '') {
            element.removeEventListener('bg-suggestion', listener);
            resolve();
          }
        });
      }),
  );
  return read((element) => element.suggestion);
}

describe('<bg-complete> in Chromium', () => {
  it('loads the model in a module worker, cross-origin isolated, from 127.0.0.1 only', async () => {
    const isolated = await page.evaluate(() => crossOriginIsolated);
    expect(isolated).toBe(true);
    expect(server.requests.some((path) => path.startsWith('/widget/worker.js'))).toBe(true);
    expect(server.requests).toContain('/models/test/model_int8.onnx'); // dtype auto: int8
    expect(server.requests.some((path) => path.startsWith('/ort/ort-wasm-simd-threaded'))).toBe(
      true,
    );
    const ariaAutocomplete = await page
      .locator('bg-complete textarea')
      .getAttribute('aria-autocomplete');
    expect(ariaAutocomplete).toBe('inline');
    expect(pageErrors).toEqual([]);
  });

  it('types "Здравей, ", shows a suggestion, and Tab accepts it', async () => {
    const prompt = 'Здравей, ';
    const completed = waitForCompleteSuggestion();
    await typeInto(prompt);
    const suggestion = await completed;
    expect(suggestion.length).toBeGreaterThan(0);
    const ghost = await page.locator('bg-complete .ghost').textContent();
    expect(ghost).toBe(suggestion);
    await page.screenshot({ path: join(artifacts, 'widget-suggestion.png') });
    await page.keyboard.press('Tab');
    const value = await read((element) => element.value);
    expect(value).toBe(prompt + suggestion);
    const textareaValue = await page.locator('bg-complete textarea').inputValue();
    expect(textareaValue).toBe(prompt + suggestion);
    // The focus stayed in the field.
    const focused = await read((element) => element.shadowRoot!.activeElement?.tagName);
    expect(focused).toBe('TEXTAREA');
  });

  it('Esc dismisses the suggestion and leaves the text alone', async () => {
    await typeInto('Здравей, ');
    await waitForSuggestion();
    await page.keyboard.press('Escape');
    expect(await read((element) => element.suggestion)).toBe('');
    expect(await read((element) => element.value)).toBe('Здравей, ');
    expect(await page.locator('bg-complete .ghost').count()).toBe(0);
    // Tab now moves the focus as usual.
    await page.keyboard.press('Tab');
    expect(await read((element) => element.value)).toBe('Здравей, ');
  });

  it('Ctrl+→ accepts one word; typing what the suggestion says keeps the rest', async () => {
    await page.evaluate(() => {
      const element = document.querySelector('bg-complete') as BgComplete;
      element.maxNewTokens = 16;
    });
    // Inside a word (the demo model proposes several words after it).
    const prompt = 'Днес времето е хуба';
    const completed = waitForCompleteSuggestion();
    await typeInto(prompt);
    const suggestion = await completed;
    const first = [...suggestion][0];
    await page.keyboard.type(first);
    const rest = await read((element) => element.suggestion);
    expect(rest).toBe(suggestion.slice(first.length));
    expect(rest.trim()).not.toBe('');
    const accepted = new Promise<string>((resolve) => {
      void page
        .exposeFunction('onAccepted', resolve)
        .then(() =>
          page.evaluate(() =>
            document.addEventListener('bg-accept', (event) =>
              (globalThis as unknown as { onAccepted(text: string): void }).onAccepted(
                (event as CustomEvent<{ text: string }>).detail.text,
              ),
            ),
          ),
        );
    });
    await page.waitForFunction(() => 'onAccepted' in globalThis);
    await page.keyboard.press('Control+ArrowRight');
    const word = await accepted;
    expect(word.trim()).not.toBe('');
    expect(rest.startsWith(word)).toBe(true);
    expect(await read((element) => element.value)).toBe(prompt + first + word);
    expect(await read((element) => element.suggestion)).toBe(rest.slice(word.length));
  });

  it('50 rapid keystrokes leave exactly one request running', async () => {
    const text = 'Добро утро, как сте днес? Времето е хубаво и топло'; // 50 characters
    expect([...text].length).toBe(50);
    // A keystroke every 15 ms, well within the pause (1 s here: a busy CI machine may stall).
    await read((element) => {
      element.debounce = 1000;
    });
    await typeInto(text, 15);
    const during = await read((element) => element.requestStatistics);
    expect(during?.sent ?? 0).toBe(0);
    await page.waitForFunction(() => {
      const element = document.querySelector('bg-complete') as BgComplete;
      return (element.requestStatistics?.started ?? 0) >= 1;
    });
    const after = await read((element) => element.requestStatistics!);
    expect(after.sent).toBe(1);
    expect(after.maxRunning).toBe(1);
  });

  it('with no pause, each keystroke cancels the request before it: never two at once', async () => {
    // Long requests: the tiny random-weight model never ends a line, so 400 tokens take about a
    // second, and the next keystroke comes while one runs.
    await page.evaluate(
      () =>
        new Promise<void>((resolve) => {
          const element = document.querySelector('bg-complete') as BgComplete;
          element.addEventListener('bg-ready', () => resolve(), { once: true });
          element.debounce = 0;
          element.maxNewTokens = 400;
          element.model = '/models/tiny/';
        }),
    );
    const text = 'Добро утро, как сте днес? Времето е хубаво и топло';
    await typeInto(text);
    await page.waitForFunction(() => {
      const element = document.querySelector('bg-complete') as BgComplete;
      const statistics = element.requestStatistics;
      return statistics !== undefined && statistics.running === 0 && element.suggestion !== '';
    });
    const statistics = await read((element) => element.requestStatistics!);
    expect(statistics.sent).toBeGreaterThan(1);
    expect(statistics.maxRunning).toBe(1);
    expect(statistics.started + statistics.skipped).toBe(statistics.sent);
    expect(statistics.completed + statistics.cancelled).toBe(statistics.started);
    expect(statistics.cancelled + statistics.skipped).toBeGreaterThan(0);
    expect(await read((element) => element.value)).toBe(text);
  });

  it('submits its text with the form', async () => {
    await typeInto('Здравей, свят');
    await Promise.all([
      page.waitForURL(/submitted\.html/),
      page.locator('button[type=submit]').click(),
    ]);
    const url = new URL(page.url());
    expect(url.searchParams.get('text')).toBe('Здравей, свят');
    expect(server.requests.some((path) => path.startsWith('/submitted.html?text='))).toBe(true);
  });

  it('inserts suggestions as text, never as HTML', async () => {
    await typeInto('<b>bold</b> <img src=x onerror=alert(1)> ');
    await waitForSuggestion();
    const elements = await page.evaluate(() => {
      const mirror = document.querySelector('bg-complete')!.shadowRoot!.querySelector('.mirror')!;
      return [...mirror.querySelectorAll('*')].map((element) => element.tagName);
    });
    expect(elements).toEqual(['SPAN']);
    expect(await page.locator('bg-complete .mirror').textContent()).toContain('<b>bold</b>');
  });

  it('reports download progress up to 100 %, then bg-ready', async () => {
    const events = (await page.evaluate(
      () => (globalThis as unknown as { bgEvents: unknown[] }).bgEvents,
    )) as {
      type: string;
      detail: { file?: string; fraction?: number; loaded?: number; total?: number };
    }[];
    const progress = events.filter((event) => event.type === 'bg-progress');
    const model = progress.filter((event) => event.detail.file === 'model_int8.onnx');
    expect(model.length).toBeGreaterThan(0);
    expect(model.at(-1)!.detail.loaded).toBe(model.at(-1)!.detail.total);
    const fractions = progress
      .map((event) => event.detail.fraction)
      .filter((fraction): fraction is number => fraction !== undefined);
    for (let index = 1; index < fractions.length; index++) {
      expect(fractions[index]).toBeGreaterThanOrEqual(fractions[index - 1]);
    }
    expect(fractions.at(-1)).toBe(1);
    expect(events.at(-1)!.type).toBe('bg-ready');
    expect(await page.locator('bg-complete [role=progressbar]').count()).toBe(0);
  });

  it('leaves IME composition alone and suggests again after it', async () => {
    await typeInto('Здравей, ');
    await waitForSuggestion();
    const sent = await read((element) => element.requestStatistics!.sent);
    const cdp = await context.newCDPSession(page);
    await cdp.send('Input.imeSetComposition', { text: 'к', selectionStart: 1, selectionEnd: 1 });
    expect(await read((element) => element.suggestion)).toBe('');
    await page.waitForTimeout(700); // longer than the pause: still no request while composing
    expect(await read((element) => element.requestStatistics!.sent)).toBe(sent);
    expect(await page.locator('bg-complete .ghost').count()).toBe(0);
    await cdp.send('Input.insertText', { text: 'ка' });
    await waitForSuggestion();
    expect(await read((element) => element.value)).toBe('Здравей, ка');
    expect(await read((element) => element.requestStatistics!.sent)).toBe(sent + 1);
  });

  it('follows disabled and a disabled fieldset, and resets with its form', async () => {
    await typeInto('Здравей');
    await page.evaluate(() => {
      (document.querySelector('#fieldset') as HTMLFieldSetElement).disabled = true;
    });
    expect(await page.locator('bg-complete textarea').isDisabled()).toBe(true);
    expect(await read((element) => element.suggestion)).toBe('');
    await page.evaluate(() => {
      (document.querySelector('#fieldset') as HTMLFieldSetElement).disabled = false;
    });
    expect(await page.locator('bg-complete textarea').isDisabled()).toBe(false);
    await read((element) => {
      element.disabled = true;
    });
    expect(await page.locator('bg-complete textarea').isDisabled()).toBe(true);
    await read((element) => {
      element.disabled = false;
    });
    await page.evaluate(() => (document.querySelector('#form') as HTMLFormElement).reset());
    expect(await read((element) => element.value)).toBe('');
  });

  it('passes an axe accessibility check (its own textarea, light and dark)', async () => {
    const axeSource = await readFile(require.resolve('axe-core/axe.min.js'), 'utf8');
    await page.addScriptTag({ content: axeSource });
    const check = async () => {
      const result = (await page.evaluate(() =>
        (
          globalThis as unknown as {
            axe: { run(context: unknown, options: unknown): Promise<unknown> };
          }
        ).axe.run(document, { resultTypes: ['violations'] }),
      )) as { violations: { id: string; nodes: { target: unknown }[] }[] };
      return result.violations.map(
        (violation) =>
          `${violation.id} ${violation.nodes.map((node) => JSON.stringify(node.target)).join(' ')}`,
      );
    };
    expect(await check()).toEqual([]);
    // A short suggestion, checked once it is complete: ghost text that runs past the textarea's
    // bottom is clipped (not seen), but axe would judge it against the page behind.
    await page.evaluate(() => {
      (document.querySelector('bg-complete') as BgComplete).maxNewTokens = 4;
    });
    const completed = waitForCompleteSuggestion();
    await typeInto('Здравей, ');
    await completed;
    expect(await check()).toEqual([]);
    await page.emulateMedia({ colorScheme: 'dark' });
    // The element repaints the mirror on the media query's change event, which the browser
    // dispatches in its next rendering update: let two frames pass.
    await page.evaluate(
      () =>
        new Promise<void>((resolve) =>
          requestAnimationFrame(() => requestAnimationFrame(() => resolve())),
        ),
    );
    expect(await check()).toEqual([]);
    await page.screenshot({ path: join(artifacts, 'widget-dark.png') });
  });

  it('keeps memory flat over 200 completions in one page', { timeout: 120_000 }, async () => {
    /** Runs completions one after another in the page. */
    const run = (count: number, first: number) =>
      page.evaluate(
        async ({ count, first }) => {
          const element = document.querySelector('bg-complete') as BgComplete;
          element.debounce = 0;
          const texts = ['Здравей, ', 'Добро утро, ', 'Как си? ', 'Днес е хубав ден и '];
          for (let index = first; index < first + count; index++) {
            const text = texts[index % texts.length];
            await new Promise<void>((resolve) => {
              element.dismiss();
              const listener = (event: Event) => {
                if (!(event as CustomEvent<{ complete: boolean }>).detail.complete) return;
                element.removeEventListener('bg-suggestion', listener);
                resolve();
              };
              element.addEventListener('bg-suggestion', listener);
              element.value = text;
              const textarea = element.textarea!;
              textarea.focus();
              textarea.setSelectionRange(text.length, text.length);
              textarea.dispatchEvent(
                new InputEvent('input', { bubbles: true, inputType: 'insertText' }),
              );
            });
          }
        },
        { count, first },
      );
    const pageSession = await context.newCDPSession(page);
    const workerSession = await attachToWorker(browser, '/widget/worker.js');
    const measure = async () => ({
      pageHeap: await measureHeap(pageSession as unknown as ProtocolSession),
      workerHeap: await measureHeap(workerSession),
      renderer: await rendererResidentBytes(),
    });
    await run(20, 0);
    const before = await measure();
    await run(180, 20);
    const after = await measure();
    const statistics = await read((element) => element.requestStatistics!);
    expect(statistics.completed).toBe(200);
    const megabytes = (bytes: number) => `${(bytes / 2 ** 20).toFixed(2)} MB`;
    console.log(
      'after 20 → 200 completions: ' +
        `page JS heap ${megabytes(before.pageHeap)} → ${megabytes(after.pageHeap)}, ` +
        `worker JS heap ${megabytes(before.workerHeap)} → ${megabytes(after.workerHeap)}, ` +
        `renderer resident (JS, wasm, DOM) ${megabytes(before.renderer)} → ${megabytes(after.renderer)}`,
    );
    expect(after.pageHeap).toBeLessThan(before.pageHeap * 1.1 + 2 ** 20);
    expect(after.workerHeap).toBeLessThan(before.workerHeap * 1.1 + 2 ** 20);
    expect(before.renderer).toBeGreaterThan(0);
    // Resident memory moves with the allocator; a leak per completion would add up far beyond.
    expect(after.renderer).toBeLessThan(before.renderer * 1.25);
  });

  it('shows a model that cannot be loaded as an error, and tries again on the next input', async () => {
    const failure = nextErrorCode;
    const first = failure();
    await read((element) => {
      element.model = '/models/none/';
    });
    expect(await first).toBe('MODEL_NOT_FOUND');
    expect(await page.locator('bg-complete').getAttribute('state')).toBe('error');
    expect(await page.locator('bg-complete [part=status]').textContent()).toMatch(/config\.json/);
    const workers = await read((element) => element.requestStatistics!.workers);
    const again = failure();
    await typeInto('Здравей, ');
    expect(await again).toBe('MODEL_NOT_FOUND');
    expect(await read((element) => element.requestStatistics!.workers)).toBe(workers + 1);
  });

  it("says where to serve ONNX Runtime's WebAssembly files when wasm-path is wrong", async () => {
    const failed = nextErrorCode();
    await read((element) => {
      element.wasmPath = '/ort-missing/';
      element.model = '/models/test/';
    });
    expect(await failed).toBe('NO_BACKEND');
    expect(await page.locator('bg-complete').getAttribute('state')).toBe('error');
    expect(await page.locator('bg-complete [part=status]').textContent()).toMatch(
      /ort-wasm-simd-threaded\.mjs.*wasm-path/,
    );
    const ready = page.evaluate(
      () =>
        new Promise<void>((resolve) => {
          document
            .querySelector('bg-complete')!
            .addEventListener('bg-ready', () => resolve(), { once: true });
        }),
    );
    await read((element) => {
      element.wasmPath = '/ort/';
    });
    await ready;
    expect(await page.locator('bg-complete').getAttribute('state')).toBe('ready');
  });

  it('recovers from a worker crash on the next input', async () => {
    const failed = page.evaluate(
      () =>
        new Promise<string>((resolve) => {
          document
            .querySelector('bg-complete')!
            .addEventListener('bg-error', (event) =>
              resolve((event as CustomEvent<{ code: string }>).detail.code),
            );
        }),
    );
    await read((element) => element.crashWorkerForTesting());
    expect(await failed).toBe('WORKER_CRASHED');
    expect(await page.locator('bg-complete').getAttribute('state')).toBe('error');
    await page.screenshot({ path: join(artifacts, 'widget-crashed.png') });
    await typeInto('Здравей, ');
    await waitForSuggestion();
    expect(await page.locator('bg-complete').getAttribute('state')).toBe('ready');
    expect(await read((element) => element.requestStatistics!.workers)).toBe(2);
  });
});

/**
 * Seeded top-p draws over a 50 257-logit row made from a seed: by rejection in WebAssembly SIMD
 * (p = 0.92) and by the histogram method (p = 0.3). Runs as it is in Node and, from its source,
 * in the page: arrow functions only, nothing from outside but the sampler module.
 */
const seededDraws = (sampler: typeof import('@bg-gpt2/sampler')): number[][] => {
  const noise = sampler.createRandom(99);
  const logits = Float32Array.from(
    { length: 50_257 },
    () => 3 * Math.sqrt(-2 * Math.log(1 - noise.next())) * Math.cos(2 * Math.PI * noise.next()),
  );
  const context = sampler.createGenerationContext([0]);
  return [0.92, 0.3].map((topP) => {
    const processor = new sampler.TopPProcessor(topP);
    const random = sampler.createRandom(5);
    return Array.from({ length: 20 }, () => processor.sample(logits, context, random));
  });
};

describe('the sampler in Chromium', () => {
  it('draws the same tokens from a seed as in Node (top-p by rejection and by histogram)', async () => {
    const sampler = await import('@bg-gpt2/sampler');
    const inPage = await page.evaluate(
      `(async () => (${seededDraws.toString()})(await import('/sampler/index.js')))()`,
    );
    expect(inPage).toEqual(seededDraws(sampler));
  });
});

describe('<bg-complete webgpu> in Chromium (software WebGPU adapter)', () => {
  it('runs the model on WebGPU when asked', { timeout: 180_000 }, async () => {
    // SwiftShader's WebGPU: correct and slow — a check of the WebGPU path, not of its speed.
    const webGpuBrowser = await chromium.launch({
      executablePath: findChromium(),
      headless: true,
      args: [
        ...chromiumArguments.filter((argument) => argument !== '--disable-gpu'),
        '--enable-unsafe-webgpu',
        '--use-webgpu-adapter=swiftshader',
      ],
    });
    try {
      const webGpuContext = await webGpuBrowser.newContext();
      const outside = await guardNetwork(webGpuContext);
      const webGpuPage = await webGpuContext.newPage();
      await webGpuPage.goto(`${server.origin}/`);
      const adapter = await webGpuPage.evaluate(async () => {
        const gpu = (navigator as unknown as { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
        return (await gpu?.requestAdapter()) != null;
      });
      expect(adapter).toBe(true);
      const backend = await webGpuPage.evaluate(
        () =>
          new Promise<string>((resolve) => {
            const element = document.querySelector('bg-complete') as BgComplete;
            element.addEventListener('bg-ready', (event) =>
              resolve((event as CustomEvent<{ backend: string }>).detail.backend),
            );
            element.webgpu = true; // a fresh worker, on WebGPU
          }),
      );
      expect(backend).toBe('onnxruntime-web-webgpu');
      await webGpuPage.locator('bg-complete textarea').click();
      await webGpuPage.keyboard.type('Здравей, ');
      await webGpuPage.waitForFunction(
        () => (document.querySelector('bg-complete') as BgComplete).suggestion !== '',
        null,
        { timeout: 120_000 },
      );
      expect(outside.outside).toEqual([]);
    } finally {
      await webGpuBrowser.close();
    }
  });
});
