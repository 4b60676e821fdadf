import { createReadStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
import { defineConfig, type Plugin, type PreviewServer, type ViteDevServer } from 'vite';
import { modelFolder, modelNote } from './model-folder.js';

// The demo page: <bg-complete> on the demo model, served from 127.0.0.1 with the headers that make
// the page cross-origin isolated (WebAssembly threads need COOP + COEP, workers included).

const require = createRequire(import.meta.url);
/** onnxruntime-web's WebAssembly files (the widget's worker loads its runtime from `./ort/`). */
const onnxRuntimeFolder = dirname(require.resolve('onnxruntime-web'));
const onnxRuntimeFiles = ['ort-wasm-simd-threaded.wasm', 'ort-wasm-simd-threaded.mjs'];

const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

const contentTypes: Record<string, string> = {
  '.wasm': 'application/wasm',
  '.mjs': 'text/javascript',
  '.json': 'application/json',
};

/** What the page serves besides its bundle: URL path → file. */
async function staticFiles(): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const file of onnxRuntimeFiles) {
    files.set(`ort/${file}`, join(onnxRuntimeFolder, file));
  }
  // The files the page loads: the int8 network (the element's default dtype; fp32 where a folder
  // has only model.onnx, as the test fixture), config, tokenizer.
  const folder = await modelFolder();
  const served = [
    'config.json',
    'model_int8.onnx',
    'model.onnx',
    'spiece.model',
    'tokenizer_config.json',
  ];
  for (const file of await readdir(folder)) {
    if (served.includes(file)) files.set(`models/demo/${file}`, join(folder, file));
  }
  return files;
}

/** Serves the model and onnxruntime-web's files in dev, and copies them into dist/ at build. */
function modelAndRuntimeFiles(): Plugin {
  let files: Promise<Map<string, string>> | undefined;
  const load = () => {
    files ??= staticFiles();
    return files;
  };
  const serve = (server: ViteDevServer | PreviewServer) => {
    server.middlewares.use(async (request, response: ServerResponse, next) => {
      const path = decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname).replace(
        /^\/+/,
        '',
      );
      const file = (await load()).get(path);
      if (file === undefined) return next();
      const info = await stat(file);
      response.writeHead(200, {
        ...isolationHeaders,
        'Content-Type': contentTypes[extname(file)] ?? 'application/octet-stream',
        'Content-Length': String(info.size),
      });
      createReadStream(file).pipe(response);
    });
  };
  return {
    name: 'bg-gpt2-model-and-runtime-files',
    configureServer: serve,
    async transformIndexHtml(html) {
      return html.replace('%MODEL_NOTE%', await modelNote());
    },
    async generateBundle() {
      for (const [fileName, file] of await load()) {
        this.emitFile({ type: 'asset', fileName, source: await readFile(file) });
      }
    },
  };
}

export default defineConfig({
  // Relative URLs: the built page works from any folder.
  base: './',
  // No fallback to index.html: a file the model lacks (tokenizer_config.json) must be a 404.
  appType: 'mpa',
  plugins: [modelAndRuntimeFiles()],
  // Vite 7 + esbuild lower the standard decorators of Lit (see shared/ENVIRONMENT.md).
  esbuild: { target: 'es2022' },
  build: { target: 'es2022', chunkSizeWarningLimit: 1024, assetsInlineLimit: 0 },
  worker: { format: 'es' },
  server: {
    host: '127.0.0.1',
    port: Number(process.env.PORT ?? 5173),
    strictPort: true,
    headers: isolationHeaders,
  },
  preview: {
    host: '127.0.0.1',
    port: Number(process.env.PORT ?? 5173),
    strictPort: true,
    headers: isolationHeaders,
  },
});
