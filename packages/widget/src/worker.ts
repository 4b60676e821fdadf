/// <reference lib="webworker" />
// The module Web Worker of <bg-complete>: loads the model with onnxruntime-web (WebAssembly, or
// WebGPU when asked) and streams continuations. One request runs at a time: a newer one cancels
// the one in flight and starts once it has stopped; requests superseded while waiting never start.
import { loadModel, type Model, registerWebBackend } from '@bg-gpt2/runtime/web';
import {
  createSuggestionModel,
  type SuggestionModel,
  streamSuggestion,
} from './suggestion-stream.js';
import type {
  CompleteRequest,
  DoneMessage,
  LoadRequest,
  WorkerMessage,
  WorkerRequest,
} from './worker-protocol.js';

declare const self: DedicatedWorkerGlobalScope;

function post(message: WorkerMessage): void {
  self.postMessage(message);
}

function describe(error: unknown): { code: string; message: string } {
  const code = (error as { code?: unknown } | undefined)?.code;
  return {
    code: typeof code === 'string' ? code : 'UNKNOWN',
    message: error instanceof Error ? error.message : String(error),
  };
}

let suggestionModel: Promise<SuggestionModel> | undefined;

/**
 * Resolves in a new task of the event loop. onnxruntime-web's runs can resolve without ever
 * leaving the microtask queue, so without this a generation would hold the worker until its end
 * and a cancel message would wait for it. (A MessageChannel, not setTimeout: nested timers are
 * clamped to 4 ms.)
 */
const channel = new MessageChannel();
const nextTaskResolvers: (() => void)[] = [];
channel.port1.onmessage = () => nextTaskResolvers.shift()?.();
function nextTask(): Promise<void> {
  return new Promise((resolve) => {
    nextTaskResolvers.push(resolve);
    channel.port2.postMessage(undefined);
  });
}

async function load(request: LoadRequest): Promise<SuggestionModel> {
  registerWebBackend({
    ...(request.wasmPaths === undefined ? {} : { wasmPaths: request.wasmPaths }),
    ...(request.numThreads === undefined ? {} : { numThreads: request.numThreads }),
    webgpu: request.webgpu,
  });
  const started = performance.now();
  const load = (dtype: string) =>
    loadModel(request.model, {
      dtype: dtype as 'int8',
      tokenizer: true,
      onProgress: ({ phase, file, loaded, total }) =>
        post({ type: 'progress', phase, file, loaded, total }),
    });
  let model: Model;
  if (request.dtype !== 'auto') model = await load(request.dtype);
  // WebGPU has no DynamicQuantizeMatMul kernel: fp32 there.
  else if (request.webgpu) model = await load('fp32');
  else {
    // int8 (the fastest on WebAssembly) when the folder has it or a checkpoint to make it from;
    // else fp32.
    try {
      model = await load('int8');
    } catch (error) {
      if ((error as { code?: unknown } | undefined)?.code !== 'MODEL_NOT_FOUND') throw error;
      model = await load('fp32');
    }
  }
  let ready: SuggestionModel;
  try {
    ready = createSuggestionModel(model);
  } catch (error) {
    await model.dispose();
    throw error;
  }
  post({ type: 'ready', backend: model.backend ?? 'unknown', loadMs: performance.now() - started });
  return ready;
}

/** The request running now, and the newest one waiting for it to stop. */
let running: { id: number; controller: AbortController } | undefined;
let waiting: CompleteRequest | undefined;
/** Requests between start and end: 1 at most by construction (reported, so tests can check). */
let active = 0;

function skipped(id: number): DoneMessage {
  return { type: 'done', id, reason: 'skipped', firstTextMs: undefined, totalMs: 0, tokens: 0 };
}

async function run(ready: SuggestionModel, request: CompleteRequest): Promise<void> {
  const controller = new AbortController();
  running = { id: request.id, controller };
  active++;
  post({ type: 'started', id: request.id, running: active });
  const started = performance.now();
  let firstTextMs: number | undefined;
  const ended = (reason: DoneMessage['reason'], tokens: number): DoneMessage => ({
    type: 'done',
    id: request.id,
    reason,
    firstTextMs,
    totalMs: performance.now() - started,
    tokens,
  });
  try {
    const stream = streamSuggestion(
      ready,
      request.text,
      request.settings,
      controller.signal,
      nextTask,
    );
    let step = await stream.next();
    while (!step.done) {
      firstTextMs ??= performance.now() - started;
      post({ type: 'delta', id: request.id, text: step.value });
      step = await stream.next();
    }
    const { finishReason, tokens } = step.value;
    if (controller.signal.aborted) post(ended('cancelled', tokens));
    else post(ended(finishReason === 'length' ? 'length' : 'end', tokens));
  } catch (error) {
    if (controller.signal.aborted) post(ended('cancelled', 0));
    else post({ type: 'error', id: request.id, ...describe(error) });
  } finally {
    active--;
    running = undefined;
  }
}

async function schedule(request: CompleteRequest): Promise<void> {
  if (suggestionModel === undefined) {
    post({
      type: 'error',
      id: request.id,
      code: 'NOT_LOADED',
      message: 'The worker got a request before its model; send a load request first.',
    });
    return;
  }
  if (waiting !== undefined) post(skipped(waiting.id));
  waiting = request;
  if (running !== undefined) {
    running.controller.abort();
    return; // the loop below, in the call that started it, runs the waiting request next
  }
  let ready: SuggestionModel;
  try {
    ready = await suggestionModel;
  } catch {
    if (waiting === request) {
      waiting = undefined;
      post(skipped(request.id));
    }
    return;
  }
  while (waiting !== undefined && running === undefined) {
    const next = waiting;
    waiting = undefined;
    await run(ready, next);
  }
}

self.addEventListener('message', (event: MessageEvent<WorkerRequest>) => {
  const request = event.data;
  switch (request.type) {
    case 'load':
      suggestionModel = load(request);
      suggestionModel.catch((error: unknown) => post({ type: 'load-error', ...describe(error) }));
      break;
    case 'complete':
      void schedule(request);
      break;
    case 'cancel':
      if (waiting?.id === request.id) {
        waiting = undefined;
        post(skipped(request.id));
      }
      if (running?.id === request.id) running.controller.abort();
      break;
    case 'crash':
      setTimeout(() => {
        throw new Error('crash requested (a test of crash recovery)');
      });
      break;
  }
});
