import type {
  DoneMessage,
  LoadRequest,
  ProgressMessage,
  ReadyMessage,
  SuggestionSettings,
  WorkerMessage,
  WorkerRequest,
} from './worker-protocol.js';

/** What the element hears about one request. */
export interface RequestHandlers {
  onDelta(text: string): void;
  onDone(message: DoneMessage): void;
  onError(code: string, message: string): void;
}

/** What the element hears about the worker. */
export interface ClientHandlers {
  onProgress(message: ProgressMessage): void;
  onReady(message: ReadyMessage): void;
  /** The model could not be loaded, or the worker crashed (`code` `WORKER_CRASHED`). */
  onFailure(code: string, message: string): void;
}

/** Counters of the requests the worker reported (for tests and diagnostics). */
export interface RequestStatistics {
  /** Requests sent. */
  sent: number;
  /** Requests that began to run. */
  started: number;
  /** Requests stopped by a newer one (or Esc) after they began. */
  cancelled: number;
  /** Requests superseded before they began. */
  skipped: number;
  /** Requests that ended on their own. */
  completed: number;
  /** Requests running in the worker now. */
  running: number;
  /** The most requests the worker ever reported running at once. */
  maxRunning: number;
  /** Workers started (more than one after a crash). */
  workers: number;
  /** The last request that ended on its own: ms to its first text, ms in all, tokens. */
  last: { firstTextMs: number | undefined; totalMs: number; tokens: number } | undefined;
}

/** Creates the module worker; the default is the package's own `worker.js`. */
export type WorkerFactory = () => Worker;

/**
 * The main-thread side of the completion worker: starts it and loads the model, sends requests
 * (a new one cancels the previous), and notices a crash — after which the next request starts a
 * fresh worker (the model then comes from the Cache API).
 */
export class CompletionClient {
  readonly statistics: RequestStatistics = {
    sent: 0,
    started: 0,
    cancelled: 0,
    skipped: 0,
    completed: 0,
    running: 0,
    maxRunning: 0,
    workers: 0,
    last: undefined,
  };
  #worker: Worker | undefined;
  #nextId = 1;
  #current: { id: number; handlers: RequestHandlers } | undefined;
  readonly #load: Omit<LoadRequest, 'type'>;
  readonly #createWorker: WorkerFactory;
  readonly #handlers: ClientHandlers;

  constructor(
    createWorker: WorkerFactory,
    load: Omit<LoadRequest, 'type'>,
    handlers: ClientHandlers,
  ) {
    this.#createWorker = createWorker;
    this.#load = load;
    this.#handlers = handlers;
  }

  /** Whether a worker is up (false before `start` and after a crash). */
  get started(): boolean {
    return this.#worker !== undefined;
  }

  /** Starts the worker and loads the model (does nothing when it is up). */
  start(): void {
    if (this.#worker !== undefined) return;
    let worker: Worker;
    try {
      worker = this.#createWorker();
    } catch (error) {
      this.#handlers.onFailure(
        'WORKER_FAILED',
        `The completion worker cannot be started: ${error instanceof Error ? error.message : String(error)}`,
      );
      return;
    }
    this.#worker = worker;
    this.statistics.workers++;
    this.statistics.running = 0;
    worker.addEventListener('message', (event: MessageEvent<WorkerMessage>) => {
      if (this.#worker === worker) this.#receive(event.data);
    });
    worker.addEventListener('error', (event) => {
      event.preventDefault();
      if (this.#worker === worker) this.#crash(event.message || 'the worker failed to run');
    });
    worker.addEventListener('messageerror', () => {
      if (this.#worker === worker) this.#crash('a message from the worker could not be read');
    });
    this.#post({ type: 'load', ...this.#load });
  }

  /**
   * Asks for a continuation of `text`; cancels the request before it. Starts a worker first
   * when there is none (the first request, or the first after a crash).
   */
  request(text: string, settings: SuggestionSettings, handlers: RequestHandlers): number {
    this.cancel();
    this.start();
    const id = this.#nextId++;
    this.#current = { id, handlers };
    this.statistics.sent++;
    this.#post({ type: 'complete', id, text, settings });
    return id;
  }

  /** Cancels the request in flight, if any; its handlers hear nothing more. */
  cancel(): void {
    if (this.#current === undefined) return;
    this.#post({ type: 'cancel', id: this.#current.id });
    this.#current = undefined;
  }

  /** Makes the worker throw (tests of crash recovery). */
  crashForTesting(): void {
    this.#post({ type: 'crash' });
  }

  /** Stops the worker. */
  dispose(): void {
    this.#current = undefined;
    this.#worker?.terminate();
    this.#worker = undefined;
  }

  #post(message: WorkerRequest): void {
    this.#worker?.postMessage(message);
  }

  #crash(reason: string): void {
    this.#worker?.terminate();
    this.#worker = undefined;
    this.statistics.running = 0;
    const current = this.#current;
    this.#current = undefined;
    const message = `The completion worker crashed (${reason}); it restarts on the next input.`;
    current?.handlers.onError('WORKER_CRASHED', message);
    this.#handlers.onFailure('WORKER_CRASHED', message);
  }

  #receive(message: WorkerMessage): void {
    const statistics = this.statistics;
    switch (message.type) {
      case 'progress':
        this.#handlers.onProgress(message);
        return;
      case 'ready':
        this.#handlers.onReady(message);
        return;
      case 'load-error':
        this.#handlers.onFailure(message.code, message.message);
        return;
      case 'started':
        statistics.started++;
        statistics.running = message.running;
        statistics.maxRunning = Math.max(statistics.maxRunning, message.running);
        return;
      case 'delta':
        if (this.#current?.id === message.id) this.#current.handlers.onDelta(message.text);
        return;
      case 'done': {
        if (message.reason === 'skipped') {
          statistics.skipped++;
        } else {
          statistics.running = Math.max(0, statistics.running - 1);
          if (message.reason === 'cancelled') {
            statistics.cancelled++;
          } else {
            statistics.completed++;
            const { firstTextMs, totalMs, tokens } = message;
            statistics.last = { firstTextMs, totalMs, tokens };
          }
        }
        if (this.#current?.id === message.id) {
          const { handlers } = this.#current;
          this.#current = undefined;
          handlers.onDone(message);
        }
        return;
      }
      case 'error':
        if (message.id !== undefined) statistics.running = Math.max(0, statistics.running - 1);
        if (this.#current?.id === message.id) {
          const { handlers } = this.#current;
          this.#current = undefined;
          handlers.onError(message.code, message.message);
        }
        return;
    }
  }
}
