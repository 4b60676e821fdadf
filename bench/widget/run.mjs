// <bg-complete> in Chromium on a model of the seed's shape (6 layers, 768 wide, vocab 50257,
// random weights; the element's default int8 model_int8.onnx unless --dtype), WebAssembly with 2 threads on a cross-origin isolated
// page, side by side with onnxruntime-node (2 threads) on the same file:
//   - latency: from the end of the typing pause to the first ghost character on screen, for a
//     30-token context (the element's bg-suggestion firstTextMs);
//   - decode ms/token: the widget's worker (64 greedy tokens) against bg-gpt2's stream on
//     onnxruntime-node, and the ratio;
//   - both also for the same worker built with onnxruntime-web's own JavaScript (its /wasm entry)
//     instead of @bg-gpt2/runtime/onnxruntime-wasm, in a second tab, trials alternating;
//   - memory: 200 completions in a row in one page; the page's and the worker's JS heaps (after
//     a garbage collection) and the renderer processes' resident memory (JS, WebAssembly, DOM)
//     sampled along the way.
//
//   pnpm build && node bench/widget/run.mjs [--trials N] [--completions N] [--quick]
// Needs Chromium (packages/widget/scripts/install-chromium.sh) and bench/.data/seed-shaped-bg-gpt2
// (see bench/runtime/run.mjs). Writes bench/.data/widget-results.json.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, extname, join, normalize } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { chromiumArguments, findChromium } from '../../packages/widget/scripts/chromium.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const widgetFolder = join(root, 'packages', 'widget');
const argv = process.argv.slice(2);
const option = (name, fallback) => {
  const index = argv.indexOf(`--${name}`);
  return index >= 0 ? argv[index + 1] : fallback;
};
/** The model folder (its spiece.model: the 50 000-piece Bulgarian test tokenizer) and dtype. */
const modelFolder = option('model', join(root, 'bench', '.data', 'seed-shaped-bg-gpt2'));
const dtype = option('dtype', 'int8');
const { onnxFileName } = await import('@bg-gpt2/runtime');
const onnxFile = onnxFileName(dtype);
const results = join(root, 'bench', '.data', 'widget-results.json');
// The browser side borrows the widget's test dependencies (playwright-core, onnxruntime-web).
const widgetRequire = createRequire(join(widgetFolder, 'package.json'));
const { chromium } = widgetRequire('playwright-core');
const onnxRuntimeWeb = dirname(widgetRequire.resolve('onnxruntime-web'));

const flag = (name, fallback) => Number(option(name, fallback));
const quick = argv.includes('--quick');
const trials = flag('trials', quick ? 5 : 20);
const completions = flag('completions', quick ? 20 : 200);
const decodeTokens = 64;
const threads = 2;

function fail(message) {
  console.error(`bench/widget: ${message}`);
  process.exit(1);
}
if (!existsSync(join(modelFolder, onnxFile))) {
  fail('no seed-shaped model; see bench/runtime/run.mjs for how bench/.data is made');
}
if (!existsSync(join(widgetFolder, 'dist', 'worker.js'))) fail('build first: pnpm build');
let chromiumPath;
try {
  chromiumPath = findChromium();
} catch (error) {
  fail(error.message);
}

// ---- 30-token contexts ------------------------------------------------------------------------
const { createBgGpt2Tokenizer } = await import('@bg-gpt2/tokenizer');
const tokenizer = createBgGpt2Tokenizer({
  sentencePieceModel: readFileSync(join(modelFolder, 'spiece.model')),
  tokenizerConfig: JSON.parse(readFileSync(join(modelFolder, 'tokenizer_config.json'), 'utf8')),
});
const sources = [
  'Здравей, как си? Днес времето е хубаво и слънчево, затова реших да изляза на разходка в парка до реката, където винаги има много хора и деца.',
  'България е държава в Югоизточна Европа, разположена в източната част на Балканския полуостров. На север граничи с Румъния, а на юг с Гърция и Турция.',
  'Утре сутринта ще отидем с приятели на планина, защото прогнозата е за ясно време и слаб вятър, а вечерта ще се върнем обратно в града с влака.',
  'Когато бях малък, баба ми разказваше приказки за смели юнаци, които побеждаваха змейове и спасяваха царски дъщери от тъмни кули в далечни земи.',
  'Новата библиотека в центъра на града отваря врати в понеделник, а първите посетители ще получат безплатна карта за читател и малък подарък.',
];
/** Each source cut to its first 30 tokens (the context the model reads). */
const contexts = sources.map((text) => tokenizer.decode(tokenizer.encode(text).slice(0, 30)));
const contextTokens = contexts.map((text) => tokenizer.encode(text).length);

// ---- a static server with COOP/COEP -----------------------------------------------------------
/** The bench page; `workerUrl`: another build of the element's worker (the comparison below). */
const page = (
  workerUrl,
) => `<!doctype html><html lang="bg"><head><meta charset="utf-8"><title>bench</title></head>
<body><bg-complete label="Текст" model="/models/seed/" wasm-path="/ort/" threads="${threads}"
 dtype="${dtype}" debounce="0"${workerUrl ? ` worker-url="${workerUrl}"` : ''}></bg-complete><script type="module" src="/widget/bg-complete.min.js"></script></body></html>`;

// The comparison: the same worker source built with onnxruntime-web's own JavaScript (its /wasm
// entry, as the worker was until @bg-gpt2/runtime/onnxruntime-wasm) instead of our binding.
const comparisonFolder = join(root, 'bench', '.data', 'widget-worker-onnxruntime-web');
const { build } = await import('esbuild');
await build({
  entryPoints: { worker: join(widgetFolder, 'src', 'worker.ts') },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  minify: true,
  outdir: comparisonFolder,
  conditions: ['onnxruntime-web-use-extern-wasm', 'browser', 'import'],
  alias: { 'onnxruntime-common': 'onnxruntime-web/wasm' },
  absWorkingDir: widgetFolder, // where an alias resolves (the widget has onnxruntime-web)
  logLevel: 'error',
});
const engines = [
  { name: 'our binding (the widget)', workerUrl: undefined },
  { name: "onnxruntime-web's JavaScript", workerUrl: '/comparison/worker.js' },
];

const mounts = [
  ['/widget/', join(widgetFolder, 'dist')],
  ['/comparison/', comparisonFolder],
  ['/ort/', onnxRuntimeWeb],
  ['/models/seed/', modelFolder],
];
const types = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm' };
const server = createServer(async (request, response) => {
  const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
  response.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  response.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
  if (path === '/' || path === '/comparison') {
    const html = page(path === '/' ? undefined : '/comparison/worker.js');
    response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(html);
    return;
  }
  const mount = mounts.find(([prefix]) => path.startsWith(prefix));
  try {
    if (mount === undefined) throw new Error('not served');
    const file = normalize(join(mount[1], decodeURIComponent(path.slice(mount[0].length))));
    if (!file.startsWith(mount[1]) || !(await stat(file)).isFile()) throw new Error('no file');
    const body = await readFile(file);
    response.writeHead(200, {
      'Content-Type': types[extname(file)] ?? 'application/octet-stream',
      'Content-Length': body.byteLength,
    });
    response.end(body);
  } catch {
    response.writeHead(404).end();
  }
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const origin = `http://127.0.0.1:${server.address().port}`;

// ---- Chromium -----------------------------------------------------------------------------------
const browser = await chromium.launch({
  executablePath: chromiumPath,
  headless: true,
  args: chromiumArguments,
});
const context = await browser.newContext();
const loadStarted = performance.now();

/** Opens the bench page with one worker build; resolves when its model is ready. */
async function openTab(workerUrl) {
  const tab = await context.newPage();
  tab.on('pageerror', (error) => console.error('page error:', error.message));
  await tab.goto(`${origin}/${workerUrl === undefined ? '' : 'comparison'}`);
  await tab.waitForFunction(
    () => document.querySelector('bg-complete')?.getAttribute('state') === 'ready',
    null,
    { timeout: 300_000 },
  );
  return tab;
}
const tabs = [];
for (const engine of engines) tabs.push(await openTab(engine.workerUrl));
const browserLoadMs = performance.now() - loadStarted;
const tab = tabs[0];
const isolated = await tab.evaluate(() => crossOriginIsolated);

/** Types `text` as one input (the pause is 0) and waits for the finished suggestion. */
async function complete(text, maxNewTokens, on = tab) {
  // A page in the background has its timers throttled (the element's pause is a timer).
  if (tabs.length > 1) await on.bringToFront();
  return on.evaluate(
    ({ text, maxNewTokens }) =>
      new Promise((resolve) => {
        const element = document.querySelector('bg-complete');
        element.dismiss();
        element.maxNewTokens = maxNewTokens;
        const listener = (event) => {
          if (!event.detail.complete) return;
          element.removeEventListener('bg-suggestion', listener);
          resolve({
            firstTextMs: event.detail.firstTextMs,
            suggestion: event.detail.suggestion,
            last: element.requestStatistics.last,
          });
        };
        element.addEventListener('bg-suggestion', listener);
        element.value = text;
        const textarea = element.textarea;
        textarea.focus();
        textarea.setSelectionRange(text.length, text.length);
        textarea.dispatchEvent(new InputEvent('input', { bubbles: true, inputType: 'insertText' }));
      }),
    { text, maxNewTokens },
  );
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const round = (value, digits = 1) => Number(value.toFixed(digits));

// Warm-up: the first runs allocate.
for (const on of tabs) for (const text of contexts.slice(0, 2)) await complete(text, 8, on);

// Trials alternate between the two worker builds, so that drifting load hits both alike.
const latencies = engines.map(() => []);
for (let trial = 0; trial < trials; trial++) {
  for (const [index, on] of tabs.entries()) {
    const { firstTextMs, last } = await complete(contexts[trial % contexts.length], 8, on);
    if (firstTextMs !== undefined) latencies[index].push(firstTextMs);
    if (process.env.BENCH_DEBUG) console.log(engines[index].name, firstTextMs, last);
  }
}

const browserDecodes = engines.map(() => []);
for (let trial = 0; trial < Math.max(3, Math.ceil(trials / 4)); trial++) {
  for (const [index, on] of tabs.entries()) {
    const { last } = await complete(contexts[trial % contexts.length], decodeTokens, on);
    if (last !== undefined && last.tokens > 8 && last.firstTextMs !== undefined) {
      browserDecodes[index].push((last.totalMs - last.firstTextMs) / (last.tokens - 1));
    }
  }
}
await tabs[1].close();
const browserDecode = browserDecodes[0];

// Memory over many completions in one page: the page's and the worker's JS heaps after a GC
// (DevTools protocol) and the renderer processes' resident memory (JS, WebAssembly, DOM).
const pageSession = await tab.context().newCDPSession(tab);
const browserSession = await browser.newBrowserCDPSession();
const { targetInfos } = await browserSession.send('Target.getTargets');
const workerTarget = targetInfos.find(
  (target) => target.type === 'worker' && target.url.includes('/widget/worker.js'),
);
const { sessionId } = await browserSession.send('Target.attachToTarget', {
  targetId: workerTarget.targetId,
  flatten: false,
});
const waiting = new Map();
browserSession.on('Target.receivedMessageFromTarget', (event) => {
  const message = JSON.parse(event.message);
  waiting.get(message.id)?.(message.result);
  waiting.delete(message.id);
});
let messageId = 0;
const workerSession = {
  send: (method, params = {}) =>
    new Promise((resolve) => {
      const id = ++messageId;
      waiting.set(id, resolve);
      void browserSession.send('Target.sendMessageToTarget', {
        sessionId,
        message: JSON.stringify({ id, method, params }),
      });
    }),
};
async function heap(session) {
  await session.send('HeapProfiler.collectGarbage');
  return (await session.send('Runtime.getHeapUsage')).usedSize;
}
function rendererResident() {
  const processes = readdirSync('/proc').filter((entry) => /^\d+$/.test(entry));
  const parents = new Map();
  const info = new Map();
  for (const pid of processes) {
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      parents.set(Number(pid), Number(/^PPid:\s+(\d+)/m.exec(status)[1]));
      info.set(Number(pid), {
        rss: Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0) * 1024,
        renderer: readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('--type=renderer'),
      });
    } catch {}
  }
  const descends = (pid) => {
    for (let current = pid; current > 1; current = parents.get(current) ?? 0) {
      if (current === process.pid) return true;
    }
    return false;
  };
  let total = 0;
  for (const [pid, { rss, renderer }] of info) if (renderer && descends(pid)) total += rss;
  return total;
}
async function memory() {
  return {
    page: await heap(pageSession),
    worker: await heap(workerSession),
    renderer: rendererResident(),
  };
}
const memorySamples = [{ completions: 0, ...(await memory()) }];
for (let index = 1; index <= completions; index++) {
  await complete(contexts[index % contexts.length], 8);
  if (index % Math.max(1, Math.floor(completions / 4)) === 0) {
    memorySamples.push({ completions: index, ...(await memory()) });
  }
}
await browser.close();
server.close();

// ---- onnxruntime-node on the same file ------------------------------------------------------------
const { BgGpt2 } = await import('bg-gpt2');
const lm = await BgGpt2.load(modelFolder, {
  dtype,
  sessionOptions: { intraOpNumThreads: threads, interOpNumThreads: 1 },
});
// Count tokens: one per session step, plus the first.
const createSession = lm.model.createSession.bind(lm.model);
let steps = 0;
lm.model.createSession = (options) => {
  const session = createSession(options);
  const step = session.step.bind(session);
  session.step = (token) => {
    steps++;
    return step(token);
  };
  return session;
};
async function nodeStream(context, maxNewTokens) {
  steps = 0;
  const started = performance.now();
  let first;
  for await (const _delta of lm.stream(context, { maxNewTokens, stop: ['\n'] })) {
    first ??= performance.now() - started;
  }
  return { firstTextMs: first, totalMs: performance.now() - started, tokens: steps + 1 };
}
for (const context of contexts.slice(0, 2)) await nodeStream(context, 8);
const nodeFirst = [];
for (let trial = 0; trial < trials; trial++) {
  const { firstTextMs } = await nodeStream(contexts[trial % contexts.length], 8);
  if (firstTextMs !== undefined) nodeFirst.push(firstTextMs);
}
const nodeDecode = [];
for (let trial = 0; trial < Math.max(3, Math.ceil(trials / 4)); trial++) {
  const run = await nodeStream(contexts[trial % contexts.length], decodeTokens);
  if (run.tokens > 8 && run.firstTextMs !== undefined) {
    nodeDecode.push((run.totalMs - run.firstTextMs) / (run.tokens - 1));
  }
}
await lm.dispose();

// ---- report ---------------------------------------------------------------------------------------
const report = {
  date: new Date().toISOString(),
  model: `${modelFolder} (${dtype}: ${onnxFile})`,
  threads,
  crossOriginIsolated: isolated,
  contextTokens,
  browser: {
    loadMs: round(browserLoadMs),
    firstGhostMs: {
      median: round(median(latencies[0])),
      min: round(Math.min(...latencies[0])),
      max: round(Math.max(...latencies[0])),
      trials: latencies[0].length,
    },
    decodeMsPerToken: round(median(browserDecode), 2),
  },
  comparison: {
    worker: engines[1].name,
    firstGhostMs: { median: round(median(latencies[1])), trials: latencies[1].length },
    decodeMsPerToken: round(median(browserDecodes[1]), 2),
  },
  node: {
    firstTextMs: { median: round(median(nodeFirst)), trials: nodeFirst.length },
    decodeMsPerToken: round(median(nodeDecode), 2),
  },
  decodeRatioBrowserToNode: round(median(browserDecode) / median(nodeDecode), 2),
  memory: memorySamples.map((sample) => ({
    completions: sample.completions,
    pageHeapMB: round(sample.page / 2 ** 20, 2),
    workerHeapMB: round(sample.worker / 2 ** 20, 2),
    rendererResidentMB: round(sample.renderer / 2 ** 20),
  })),
};
writeFileSync(results, `${JSON.stringify(report, null, 2)}\n`);

console.log(
  `<bg-complete>, ${report.model}, ${threads} threads, cross-origin isolated: ${isolated}`,
);
console.log(
  `contexts of ${contextTokens.join(', ')} tokens; page ready after ${report.browser.loadMs} ms`,
);
console.log('');
const column = (value, unit = '') => `${String(value).padStart(8)}${unit}`;
console.log(
  `                                       Chromium: our binding   Chromium: onnxruntime-web's JS   onnxruntime-node   ratio (ours / node)`,
);
console.log(
  `first ghost character after the pause   ${column(report.browser.firstGhostMs.median, ' ms')}            ${column(report.comparison.firstGhostMs.median, ' ms')}                    ${column(report.node.firstTextMs.median, ' ms')} (first text)`,
);
console.log(
  `decode, ms/token (${decodeTokens} greedy tokens)      ${column(report.browser.decodeMsPerToken)}               ${column(report.comparison.decodeMsPerToken)}                       ${column(report.node.decodeMsPerToken)}        ${report.decodeRatioBrowserToNode}×`,
);
console.log('');
console.log('memory after n completions (MB): page JS heap, worker JS heap, renderer resident');
for (const sample of report.memory) {
  console.log(
    `  ${String(sample.completions).padStart(4)}   ${String(sample.pageHeapMB).padStart(8)} ${String(sample.workerHeapMB).padStart(8)} ${String(sample.rendererResidentMB).padStart(8)}`,
  );
}
console.log(`\nwritten to ${results}`);
