import { html, LitElement, nothing, type PropertyValues } from 'lit';
import {
  canSuggestAt,
  contextBeforeCaret,
  firstWord,
  remainderAfterTyping,
  visibleSuggestion,
} from './ghost-text.js';
import { bgCompleteStyles } from './styles.js';
import { CompletionClient, type RequestStatistics } from './worker-client.js';
import type { DoneMessage, ProgressMessage, SuggestionSettings } from './worker-protocol.js';

/** A requested suggestion and what it has streamed so far. */
interface PendingSuggestion {
  /** The caret position it continues. */
  anchor: number;
  streamed: string;
  finished: boolean;
  cutShort: boolean;
  /** Characters of it already typed over or accepted. */
  consumed: number;
  requestedAt: number;
  firstTextMs?: number;
}

/** Where the element is in its life: loading the model, ready, or failed. */
export type BgCompleteState = 'idle' | 'loading' | 'ready' | 'error';

/** `bg-progress`: a model file downloading (bytes) or converting (units of work). */
export interface BgProgressDetail {
  phase: 'download' | 'convert';
  file: string;
  loaded: number;
  total: number | undefined;
  /** All files so far together, 0…1 (undefined while no total is known). */
  fraction: number | undefined;
}

/** `bg-ready`: the model is loaded. */
export interface BgReadyDetail {
  /** The ONNX Runtime backend: `onnxruntime-web` (WebAssembly) or `onnxruntime-web-webgpu`. */
  backend: string;
  /** Milliseconds the worker took to load the model. */
  loadMs: number;
}

/**
 * `bg-suggestion`: the ghost text changed, or the model finished a suggestion (`complete`; the
 * suggestion is '' when it had nothing to propose).
 */
export interface BgSuggestionDetail {
  /** The ghost text shown now ('' when none). */
  suggestion: string;
  /** The model has finished this suggestion (it will not grow any more). */
  complete: boolean;
  /**
   * Milliseconds from the end of the pause (when the suggestion was asked for) to the first ghost
   * text on screen (the frame that showed it).
   */
  firstTextMs?: number;
}

/** `bg-accept`: the user accepted ghost text. */
export interface BgAcceptDetail {
  /** The text inserted. */
  text: string;
  /** Tab (the whole suggestion) or Ctrl/Cmd+→ (one word). */
  whole: boolean;
  /** The text of the field afterwards. */
  value: string;
}

/** `bg-error`: the model failed to load, a request failed, or the worker crashed. */
export interface BgErrorDetail {
  /** `WORKER_CRASHED`, `WORKER_FAILED`, a `@bg-gpt2/runtime` code (`MODEL_NOT_FOUND`, …), … */
  code: string;
  message: string;
}

/** The element's own texts (announced to screen readers or shown); Bulgarian by default. */
export interface BgCompleteMessages {
  /** Announced politely when a suggestion is complete. */
  suggestion(text: string): string;
  /** The progress bar's label. */
  loading: string;
  /** The name of its own textarea when no `label` is given. */
  label: string;
}

const defaultMessages: BgCompleteMessages = {
  suggestion: (text) => `Предложение: ${text.trim()}. Tab приема, Escape отказва.`,
  loading: 'Зареждане на езиковия модел',
  label: 'Текст',
};

/** What the mirror copies from the textarea so that its text wraps the same way. */
const mirroredProperties = [
  'boxSizing',
  'fontFamily',
  'fontSize',
  'fontStyle',
  'fontWeight',
  'fontVariant',
  'fontStretch',
  'fontFeatureSettings',
  'fontKerning',
  'lineHeight',
  'letterSpacing',
  'wordSpacing',
  'textIndent',
  'textTransform',
  'textAlign',
  'tabSize',
  'direction',
  'paddingTop',
  'paddingRight',
  'paddingBottom',
  'paddingLeft',
  'borderTopWidth',
  'borderRightWidth',
  'borderBottomWidth',
  'borderLeftWidth',
  'borderTopStyle',
  'borderRightStyle',
  'borderBottomStyle',
  'borderLeftStyle',
  'wordBreak',
] as const;

/** The text before the caret the model reads, in characters at most. */
const contextCharacters = 600;

/**
 * The default model: the demo model served with the page, at `models/demo/` next to it.
 * Set `model` to another folder URL or a hub id.
 */
export const defaultModelPath = 'models/demo/';

/** Creates the default worker (`worker.js` beside this module); bundlers follow this pattern. */
function createDefaultWorker(): Worker {
  return new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
}

/** The caret's color (`auto` is the text color, which is about to become transparent). */
function caretColorOf(textarea: HTMLTextAreaElement, color: string): string {
  const caret = getComputedStyle(textarea).caretColor;
  return caret === '' || caret === 'auto' || caret === 'currentcolor' ? color : caret;
}

function absolute(url: string): string {
  return new URL(url, document.baseURI).href;
}

/**
 * `<bg-complete>`: inline Bulgarian auto-complete over a textarea. The continuation the model
 * proposes appears as ghost text after the caret; Tab accepts it, Ctrl/Cmd+→ accepts one word,
 * Esc dismisses it, typing what it says keeps it. The model runs in a module Web Worker on
 * onnxruntime-web.
 *
 * ```html
 * <bg-complete name="message" model="/models/demo/" wasm-path="/ort/"></bg-complete>
 * <bg-complete><textarea name="message" aria-label="Съобщение"></textarea></bg-complete>
 * ```
 *
 * @fires bg-progress - {@link BgProgressDetail}
 * @fires bg-ready - {@link BgReadyDetail}
 * @fires bg-suggestion - {@link BgSuggestionDetail}
 * @fires bg-accept - {@link BgAcceptDetail}
 * @fires bg-error - {@link BgErrorDetail}
 * @csspart textarea - its own textarea (a slotted one is styled by the page)
 * @csspart mirror - the layer that draws the text with the ghost text while one is shown
 * @csspart ghost - the ghost text
 * @csspart progress - the track of the loading bar; @csspart progress-bar - the bar
 * @csspart status - the error message
 * @cssprop --bg-complete-ghost-color - ghost text color (default: the text color at 62 %, which keeps a 4.5:1 contrast)
 */
export class BgComplete extends LitElement {
  static override styles = bgCompleteStyles;
  static formAssociated = true;
  static override properties = {
    model: {},
    dtype: {},
    wasmPath: { attribute: 'wasm-path' },
    workerUrl: { attribute: 'worker-url' },
    threads: { type: Number },
    webgpu: { type: Boolean },
    maxNewTokens: { type: Number, attribute: 'max-new-tokens' },
    temperature: { type: Number },
    topP: { type: Number, attribute: 'top-p' },
    topK: { type: Number, attribute: 'top-k' },
    debounce: { type: Number },
    disabled: { type: Boolean, reflect: true },
    placeholder: {},
    name: { reflect: true },
    label: {},
    rows: { type: Number },
    messages: { attribute: false },
    loadState: { reflect: true, attribute: 'state' },
    ghost: { state: true },
    progressFraction: { state: true },
    errorMessage: { state: true },
    announcement: { state: true },
    formDisabled: { state: true },
  };
  static override shadowRootOptions: ShadowRootInit = {
    ...LitElement.shadowRootOptions,
    delegatesFocus: true,
  };

  /** The model: a folder URL (relative to the page) or a hub id; default `models/demo/`. */
  declare model: string;
  /**
   * The ONNX file: `auto` (default): `int8` (`model_int8.onnx`, or the checkpoint converted to
   * it in the page) when the folder has it, else `fp32` (`model.onnx`) — fp32 always with
   * `webgpu`, whose backend has no int8 kernel; or one of `int8`,
   * `fp32`, `fp16`, `q8` (`model_quantized.onnx`), `q4`. int8 — per-channel weights multiplied
   * by `DynamicQuantizeMatMul` — decodes 2.4× faster than fp32 in onnxruntime-web and downloads
   * 4× less; onnxruntime-web 1.30's WebAssembly runs the block-quantized q8/q4 files
   * (`MatMulNBits`, the fastest in Node) many times slower.
   */
  declare dtype: string;
  /**
   * Where onnxruntime-web's `.wasm`/`.mjs` files are served (a URL prefix ending in `/`);
   * default: jsDelivr's copy of the installed onnxruntime-web.
   */
  declare wasmPath: string | undefined;
  /** The worker script, for setups that do not bundle `@bg-gpt2/widget/worker` themselves. */
  declare workerUrl: string | undefined;
  /** WebAssembly threads (default: 1, or up to 4 on a cross-origin isolated page). */
  declare threads: number | undefined;
  /** Try WebGPU first (falls back to WebAssembly). */
  declare webgpu: boolean;
  /** Tokens per suggestion at most. */
  declare maxNewTokens: number;
  /** 0 (default): the most likely continuation; above 0: sampled at this temperature. */
  declare temperature: number;
  /** Nucleus sampling when `temperature` > 0 (default 1: off). */
  declare topP: number;
  /** Top-k sampling when `temperature` > 0 (default 0: off). */
  declare topK: number;
  /** The pause after typing before a suggestion is asked for, in milliseconds. */
  declare debounce: number;
  /** No input and no suggestions. */
  declare disabled: boolean;
  /** The placeholder of its own textarea. */
  declare placeholder: string;
  /** The form field name the text is submitted under. */
  declare name: string;
  /** The accessible name of its own textarea (default: the `aria-label` of the element). */
  declare label: string;
  /** Rows of its own textarea. */
  declare rows: number;
  /** The element's texts for screen readers; Bulgarian by default. */
  declare messages: BgCompleteMessages;

  /** Loading, ready or failed (reflected as the `state` attribute, for styling). */
  declare loadState: BgCompleteState;

  declare private ghost: string;
  declare private progressFraction: number | undefined;
  declare private errorMessage: string;
  declare private announcement: string;
  declare private formDisabled: boolean;

  /** Its own textarea (when none is slotted) and the mirror that paints the ghost text. */
  get #ownTextarea(): HTMLTextAreaElement | null {
    return this.renderRoot?.querySelector('textarea') ?? null;
  }
  get #mirror(): HTMLElement | null {
    return this.renderRoot?.querySelector('.mirror') ?? null;
  }

  readonly #internals: ElementInternals;
  #client: CompletionClient | undefined;
  #slotted: HTMLTextAreaElement | undefined;
  #listening: HTMLTextAreaElement | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #progressFiles = new Map<string, { loaded: number; total: number | undefined }>();
  /** The request whose text is shown, and what it has streamed. */
  #pending: PendingSuggestion | undefined;
  #lastValue = '';
  #composing = false;
  /** A paint of streamed text waiting for the next frame. */
  #frame: number | undefined;
  /** The ghost span while one is shown (growing text only changes its text). */
  #ghostSpan: HTMLSpanElement | undefined;
  #accepting = false;
  /** The textarea's own inline colors while its text is hidden, and the colors it had. */
  #savedStyle:
    | {
        color: string;
        colorPriority: string;
        caretColor: string;
        caretPriority: string;
        computedColor: string;
        caretComputed: string;
      }
    | undefined;
  #initialValue = '';

  constructor() {
    super();
    this.model = defaultModelPath;
    this.dtype = 'auto';
    this.wasmPath = undefined;
    this.workerUrl = undefined;
    this.threads = undefined;
    this.webgpu = false;
    this.maxNewTokens = 8;
    this.temperature = 0;
    this.topP = 1;
    this.topK = 0;
    this.debounce = 300;
    this.disabled = false;
    this.placeholder = '';
    this.name = '';
    this.label = '';
    this.rows = 4;
    this.messages = defaultMessages;
    this.loadState = 'idle';
    this.ghost = '';
    this.progressFraction = undefined;
    this.errorMessage = '';
    this.announcement = '';
    this.formDisabled = false;
    this.#internals = this.attachInternals();
  }

  /** The text of the field. */
  get value(): string {
    return this.textarea?.value ?? this.#initialValue;
  }

  set value(text: string) {
    const textarea = this.textarea;
    if (textarea === undefined) {
      this.#initialValue = text;
    } else {
      textarea.value = text;
      this.#lastValue = text;
    }
    this.dismiss();
    this.#internals.setFormValue(text);
  }

  /** The ghost text shown now ('' when none). */
  get suggestion(): string {
    return this.ghost;
  }

  /** The form the element belongs to. */
  get form(): HTMLFormElement | null {
    return this.#internals.form;
  }

  /** The textarea typed into: the slotted one, else its own. */
  get textarea(): HTMLTextAreaElement | undefined {
    return this.#slotted ?? this.#ownTextarea ?? undefined;
  }

  /** Counters of the worker's requests (how many ran, were cancelled, ran at once at most). */
  get requestStatistics(): Readonly<RequestStatistics> | undefined {
    return this.#client === undefined ? undefined : { ...this.#client.statistics };
  }

  /** Accepts the whole suggestion shown now (as Tab does); false when there is none. */
  acceptSuggestion(): boolean {
    return this.#accept(this.ghost, true);
  }

  /** Drops the suggestion shown now and stops the request in flight (as Esc does). */
  dismiss(): void {
    window.clearTimeout(this.#timer);
    if (this.#frame !== undefined) cancelAnimationFrame(this.#frame);
    this.#frame = undefined;
    this.#client?.cancel();
    this.#pending = undefined;
    this.#setGhost('', true);
  }

  /** Loads the model now (it loads when the element is connected unless `disabled`). */
  preload(): void {
    this.#ensureClient().start();
  }

  /** Makes the worker crash (for tests of the recovery): the next input starts a new one. */
  crashWorkerForTesting(): void {
    this.#client?.crashForTesting();
  }

  /** Light/dark switches change the colors the mirror copied: paint it again. */
  readonly #colorScheme = (() => {
    const query = globalThis.matchMedia?.('(prefers-color-scheme: dark)');
    return query;
  })();
  readonly #onColorScheme = (): void => {
    const textarea = this.textarea;
    if (textarea === undefined || this.#ghostSpan === undefined) return;
    this.#restoreTextColor(textarea);
    this.#ghostSpan = undefined;
    this.#paintMirror();
  };

  override connectedCallback(): void {
    super.connectedCallback();
    this.#colorScheme?.addEventListener('change', this.#onColorScheme);
    if (!this.disabled) {
      void this.updateComplete.then(() => {
        if (this.isConnected && !this.disabled) this.preload();
      });
    }
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#colorScheme?.removeEventListener('change', this.#onColorScheme);
    window.clearTimeout(this.#timer);
    this.#client?.dispose();
    this.#client = undefined;
    this.loadState = 'idle';
  }

  /** @internal Form reset: back to the initial text. */
  formResetCallback(): void {
    const textarea = this.textarea;
    this.value = textarea?.defaultValue ?? '';
  }

  /** @internal The fieldset's disabled state. */
  formDisabledCallback(disabled: boolean): void {
    this.formDisabled = disabled;
    if (disabled) this.dismiss();
  }

  /** @internal Restores the text after navigation or autofill. */
  formStateRestoreCallback(restored: string | File | FormData | null): void {
    if (typeof restored === 'string') this.value = restored;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    const modelSettings = ['model', 'dtype', 'wasmPath', 'workerUrl', 'threads', 'webgpu'] as const;
    if (this.#client !== undefined && modelSettings.some((name) => changed.has(name))) {
      // Another model or runtime setting: a fresh worker.
      this.dismiss();
      this.#client.dispose();
      this.#client = undefined;
      if (!this.disabled && this.isConnected) queueMicrotask(() => this.preload());
    }
    if (changed.has('disabled') && this.disabled) this.dismiss();
  }

  protected override updated(changed: PropertyValues<this>): void {
    const textarea = this.textarea;
    if (textarea !== undefined && textarea !== this.#listening) this.#listen(textarea);
    if (textarea !== undefined) {
      textarea.disabled = this.disabled || this.formDisabled;
      textarea.setAttribute('aria-autocomplete', 'inline');
      if (this.#slotted === undefined) {
        textarea.setAttribute(
          'aria-label',
          this.label || this.getAttribute('aria-label') || this.messages.label,
        );
      }
    }
    if ((changed as Map<PropertyKey, unknown>).has('ghost')) this.#paintMirror();
  }

  protected override firstUpdated(): void {
    const textarea = this.textarea;
    if (textarea !== undefined && this.#initialValue !== '') textarea.value = this.#initialValue;
    this.#lastValue = textarea?.value ?? '';
    this.#internals.setFormValue(this.#lastValue);
  }

  protected override render() {
    const progress = this.loadState === 'loading';
    const fraction = this.progressFraction;
    return html`
      <div class="frame">
        <slot @slotchange=${this.#onSlotChange}>
          <textarea
            part="textarea"
            rows=${this.rows}
            placeholder=${this.placeholder || nothing}
            spellcheck="true"
          ></textarea>
        </slot>
        <div class="mirror" part="mirror" aria-hidden="true"></div>
        ${
          progress
            ? html`<div
              class="progress"
              part="progress"
              role="progressbar"
              aria-label=${this.messages.loading}
              aria-valuemin="0"
              aria-valuemax="100"
              aria-valuenow=${fraction === undefined ? nothing : Math.round(fraction * 100)}
            >
              <div
                class="progress-bar"
                part="progress-bar"
                style="transform: scaleX(${fraction ?? 0.05})"
              ></div>
            </div>`
            : nothing
        }
      </div>
      ${this.errorMessage === '' ? nothing : html`<div class="status" part="status">${this.errorMessage}</div>`}
      <div class="visually-hidden" aria-live="polite">${this.announcement}</div>
    `;
  }

  #onSlotChange(event: Event): void {
    const slot = event.target as HTMLSlotElement;
    const assigned = slot
      .assignedElements({ flatten: true })
      .find((element): element is HTMLTextAreaElement => element instanceof HTMLTextAreaElement);
    this.#slotted = assigned;
    this.requestUpdate();
    if (assigned !== undefined) {
      this.#lastValue = assigned.value;
      this.#internals.setFormValue(assigned.value);
    }
  }

  #ensureClient(): CompletionClient {
    if (this.#client !== undefined) return this.#client;
    const workerUrl = this.workerUrl;
    this.#client = new CompletionClient(
      workerUrl === undefined
        ? createDefaultWorker
        : () => new Worker(absolute(workerUrl), { type: 'module' }),
      {
        model:
          /^[\w.-]+\/[\w.-]+(@.+)?$/.test(this.model) && !this.model.endsWith('/')
            ? this.model // a hub id
            : absolute(this.model),
        dtype: this.dtype,
        wasmPaths: this.wasmPath === undefined ? undefined : absolute(this.wasmPath),
        numThreads: this.threads,
        webgpu: this.webgpu,
      },
      {
        onProgress: (message) => this.#onProgress(message),
        onReady: (message) => {
          this.loadState = 'ready';
          this.errorMessage = '';
          this.progressFraction = undefined;
          this.#fire<BgReadyDetail>('bg-ready', {
            backend: message.backend,
            loadMs: message.loadMs,
          });
        },
        onFailure: (code, message) => this.#fail(code, message),
      },
    );
    this.loadState = 'loading';
    this.#progressFiles.clear();
    this.progressFraction = undefined;
    return this.#client;
  }

  #onProgress(message: ProgressMessage): void {
    if (this.loadState !== 'loading') this.loadState = 'loading';
    this.#progressFiles.set(`${message.phase}:${message.file}`, {
      loaded: message.loaded,
      total: message.total,
    });
    // The model and tokenizer files (the small .json files would flash the bar full); the bar
    // never goes back when a later file adds to the total.
    let loaded = 0;
    let total = 0;
    for (const [key, file] of this.#progressFiles) {
      if (file.total === undefined || key.endsWith('.json')) continue;
      loaded += file.loaded;
      total += file.total;
    }
    const fraction =
      total > 0 ? Math.max(this.progressFraction ?? 0, Math.min(1, loaded / total)) : undefined;
    this.progressFraction = fraction;
    this.#fire<BgProgressDetail>('bg-progress', {
      phase: message.phase,
      file: message.file,
      loaded: message.loaded,
      total: message.total,
      fraction,
    });
  }

  #fail(code: string, message: string): void {
    this.loadState = 'error';
    this.errorMessage = message;
    this.#pending = undefined;
    this.#setGhost('', true);
    // The worker goes (a crash, or a model that failed to load): the next input starts a fresh
    // one, which loads the model again (from the Cache API when it was downloaded).
    this.#client?.dispose();
    this.#fire<BgErrorDetail>('bg-error', { code, message });
  }

  #fire<T>(type: string, detail: T): void {
    this.dispatchEvent(new CustomEvent<T>(type, { detail, bubbles: true, composed: true }));
  }

  // ---- the textarea -------------------------------------------------------------------------

  #listen(textarea: HTMLTextAreaElement): void {
    const previous = this.#listening;
    if (previous !== undefined) {
      for (const [type, listener] of this.#listeners) previous.removeEventListener(type, listener);
      this.#restoreTextColor(previous);
    }
    this.#listening = textarea;
    for (const [type, listener] of this.#listeners) textarea.addEventListener(type, listener);
  }

  readonly #listeners: [string, EventListener][] = [
    ['input', (event) => this.#onInput(event as InputEvent)],
    ['keydown', (event) => this.#onKeyDown(event as KeyboardEvent)],
    ['pointerdown', () => this.dismiss()],
    ['blur', () => this.dismiss()],
    ['compositionstart', () => this.#onCompositionStart()],
    ['compositionend', () => this.#onCompositionEnd()],
    ['scroll', () => this.#syncScroll()],
    ['selectionchange', () => this.#onSelectionChange()],
  ];

  #onInput(event: InputEvent): void {
    const textarea = this.textarea!;
    const value = textarea.value;
    this.#internals.setFormValue(value);
    if (this.#accepting) return;
    if (this.#composing || event.isComposing) {
      this.#lastValue = value;
      return;
    }
    const pending = this.#pending;
    const previous = this.#lastValue;
    this.#lastValue = value;
    if (pending !== undefined && this.ghost !== '' && event.inputType === 'insertText') {
      const typed = event.data ?? '';
      const anchor = pending.anchor;
      const remainder = remainderAfterTyping(this.ghost, typed);
      if (
        remainder !== undefined &&
        value === previous.slice(0, anchor) + typed + previous.slice(anchor) &&
        textarea.selectionStart === anchor + typed.length
      ) {
        // Typed what the ghost text says: keep the rest.
        pending.anchor += typed.length;
        pending.consumed += typed.length;
        if (remainder.trim() === '' && pending.finished) {
          this.dismiss();
          this.#schedule();
        } else {
          this.#setGhost(remainder, pending.finished);
        }
        return;
      }
    }
    this.dismiss();
    this.#schedule();
  }

  #onKeyDown(event: KeyboardEvent): void {
    if (event.isComposing || event.keyCode === 229 || this.#composing) return;
    const ghost = this.ghost;
    const plain = !event.altKey && !event.ctrlKey && !event.metaKey && !event.shiftKey;
    if (event.key === 'Tab' && plain && ghost !== '') {
      event.preventDefault();
      this.#accept(ghost, true);
      return;
    }
    if (
      event.key === 'ArrowRight' &&
      (event.ctrlKey || event.metaKey) &&
      !event.altKey &&
      !event.shiftKey &&
      ghost !== ''
    ) {
      event.preventDefault();
      this.#accept(firstWord(ghost), false);
      return;
    }
    if (event.key === 'Escape') {
      if (ghost !== '') {
        event.preventDefault();
        event.stopPropagation();
      }
      this.dismiss();
      return;
    }
    if (
      [
        'ArrowLeft',
        'ArrowRight',
        'ArrowUp',
        'ArrowDown',
        'Home',
        'End',
        'PageUp',
        'PageDown',
      ].includes(event.key)
    ) {
      this.dismiss();
    }
  }

  #onCompositionStart(): void {
    this.#composing = true;
    this.dismiss();
  }

  #onCompositionEnd(): void {
    this.#composing = false;
    const value = this.textarea?.value ?? '';
    this.#lastValue = value;
    this.#internals.setFormValue(value);
    this.#schedule();
  }

  #onSelectionChange(): void {
    const textarea = this.textarea;
    if (this.#pending === undefined || this.#accepting || textarea === undefined) return;
    if (
      textarea.selectionStart !== this.#pending.anchor ||
      textarea.selectionEnd !== this.#pending.anchor
    ) {
      this.dismiss();
    }
  }

  // ---- suggestions --------------------------------------------------------------------------

  #schedule(): void {
    window.clearTimeout(this.#timer);
    if (this.disabled || this.formDisabled) return;
    this.#timer = setTimeout(() => this.#suggest(), Math.max(0, this.debounce));
  }

  #settings(): SuggestionSettings {
    return {
      maxNewTokens: Math.max(1, Math.floor(this.maxNewTokens) || 1),
      temperature: Math.max(0, this.temperature || 0),
      topP: this.topP > 0 && this.topP <= 1 ? this.topP : 1,
      topK: Math.max(0, Math.floor(this.topK) || 0),
    };
  }

  #suggest(): void {
    const textarea = this.textarea;
    if (textarea === undefined || this.#composing || this.disabled || this.formDisabled) return;
    const root = this.getRootNode() as Document | ShadowRoot;
    const focused =
      textarea === this.#ownTextarea
        ? this.shadowRoot?.activeElement === textarea
        : root.activeElement === textarea || document.activeElement === textarea;
    if (!focused) return;
    const { value, selectionStart, selectionEnd } = textarea;
    if (!canSuggestAt(value, selectionStart, selectionEnd)) return;
    const client = this.#ensureClient();
    if (this.loadState === 'error') {
      // Recovering: a fresh worker loads the model again (from the Cache API).
      this.loadState = 'loading';
      this.errorMessage = '';
    }
    const anchor = selectionStart;
    const pending = {
      anchor,
      streamed: '',
      finished: false,
      cutShort: false,
      consumed: 0,
      requestedAt: performance.now(),
    } as PendingSuggestion;
    this.#pending = pending;

    client.request(contextBeforeCaret(value, anchor, contextCharacters), this.#settings(), {
      onDelta: (text) => {
        if (this.#pending !== pending) return;
        pending.streamed += text;
        // One paint per frame however fast the tokens come.
        this.#frame ??= requestAnimationFrame(() => {
          this.#frame = undefined;
          this.#showPending();
        });
      },
      onDone: (message: DoneMessage) => {
        if (this.#pending !== pending) return;
        if (message.reason === 'cancelled' || message.reason === 'skipped') return;
        pending.finished = true;
        pending.cutShort = message.reason === 'length';
        this.#showPending(true);
        if (this.ghost !== '') this.announcement = this.messages.suggestion(this.ghost);
      },
      onError: (code, message) => {
        if (this.#pending === pending) this.#pending = undefined;
        this.#setGhost('', true);
        if (code !== 'WORKER_CRASHED') this.#fire<BgErrorDetail>('bg-error', { code, message });
      },
    });
  }

  /** Shows what the request streamed so far; `ended`: it has just ended (say so even if ''). */
  #showPending(ended = false): void {
    if (this.#frame !== undefined) cancelAnimationFrame(this.#frame);
    this.#frame = undefined;
    const pending = this.#pending;
    if (pending === undefined) return;
    const visible = visibleSuggestion(pending.streamed, pending.finished, pending.cutShort);
    this.#setGhost(visible.slice(pending.consumed), pending.finished, ended);
  }

  #setGhost(text: string, complete: boolean, ended = false): void {
    const changed = text !== this.ghost;
    const pending = this.#pending;
    if (text !== '' && pending !== undefined && pending.firstTextMs === undefined) {
      pending.firstTextMs = performance.now() - pending.requestedAt;
    }
    this.ghost = text;
    if (text === '') this.announcement = '';
    if (changed || ended) {
      const detail: BgSuggestionDetail = { suggestion: text, complete };
      if (pending?.firstTextMs !== undefined) detail.firstTextMs = pending.firstTextMs;
      this.#fire<BgSuggestionDetail>('bg-suggestion', detail);
    }
  }

  /** Inserts `text` at the caret as typed text (undoable); keeps the rest of the ghost text. */
  #accept(text: string, whole: boolean): boolean {
    const textarea = this.textarea;
    const pending = this.#pending;
    if (textarea === undefined || pending === undefined || text === '') return false;
    const rest = this.ghost.slice(text.length);
    const anchor = pending.anchor;
    if (whole || rest.trim() === '') this.#client?.cancel();
    this.#accepting = true;
    try {
      textarea.focus();
      textarea.setSelectionRange(anchor, anchor);
      // execCommand keeps the native undo history and fires `input`; setRangeText is the fallback.
      let inserted = false;
      try {
        inserted = document.execCommand('insertText', false, text);
      } catch {
        inserted = false;
      }
      if (!inserted || textarea.value.slice(anchor, anchor + text.length) !== text) {
        textarea.setRangeText(text, anchor, anchor, 'end');
        textarea.dispatchEvent(
          new InputEvent('input', { bubbles: true, inputType: 'insertText', data: text }),
        );
      }
    } finally {
      this.#accepting = false;
    }
    const value = textarea.value;
    this.#lastValue = value;
    this.#internals.setFormValue(value);
    if (whole || rest.trim() === '') {
      this.#pending = undefined;
      this.#setGhost('', true);
      this.#fire<BgAcceptDetail>('bg-accept', { text, whole: true, value });
      this.#schedule();
    } else {
      pending.anchor = anchor + text.length;
      pending.consumed += text.length;
      this.#setGhost(rest, pending.finished);
      this.#fire<BgAcceptDetail>('bg-accept', { text, whole: false, value });
    }
    return true;
  }

  // ---- drawing the ghost text ---------------------------------------------------------------

  #paintMirror(): void {
    const mirror = this.#mirror;
    const textarea = this.textarea;
    if (mirror === null || textarea === undefined) return;
    const pending = this.#pending;
    if (this.ghost === '' || pending === undefined) {
      mirror.classList.remove('shown');
      mirror.replaceChildren();
      this.#ghostSpan = undefined;
      this.#restoreTextColor(textarea);
      return;
    }
    const value = textarea.value;
    const before = value.slice(0, pending.anchor);
    // A final line break needs something after it to take up a line, as in the textarea.
    const after = `${value.slice(pending.anchor)}\u200b`;
    const span = this.#ghostSpan;
    if (
      span !== undefined &&
      span.previousSibling?.textContent === before &&
      span.nextSibling?.textContent === after
    ) {
      span.textContent = this.ghost; // the suggestion grew: text, never HTML
      return;
    }
    this.#layoutMirror(mirror, textarea);
    const ghost = document.createElement('span');
    ghost.className = 'ghost';
    ghost.setAttribute('part', 'ghost');
    ghost.textContent = this.ghost; // text, never HTML
    this.#ghostSpan = ghost;
    mirror.replaceChildren(document.createTextNode(before), ghost, document.createTextNode(after));
    mirror.classList.add('shown');
    this.#syncScroll();
  }

  /** Gives the mirror the textarea's box, font and wrapping, and hides the textarea's text. */
  #layoutMirror(mirror: HTMLElement, textarea: HTMLTextAreaElement): void {
    const style = getComputedStyle(textarea);
    for (const name of mirroredProperties) mirror.style[name] = style[name];
    // The text color before it is made transparent (a second paint reads the saved one).
    const color = this.#savedStyle?.computedColor ?? style.color;
    mirror.style.color = color;
    const frame = mirror.parentElement!.getBoundingClientRect();
    const box = textarea.getBoundingClientRect();
    mirror.style.left = `${box.left - frame.left}px`;
    mirror.style.top = `${box.top - frame.top}px`;
    mirror.style.width = `${box.width}px`;
    mirror.style.height = `${box.height}px`;
    // A vertical scrollbar narrows the text: pad the mirror by its width.
    const scrollbar =
      textarea.offsetWidth -
      textarea.clientWidth -
      Number.parseFloat(style.borderLeftWidth) -
      Number.parseFloat(style.borderRightWidth);
    if (scrollbar > 0) {
      mirror.style.paddingRight = `${Number.parseFloat(style.paddingRight) + scrollbar}px`;
    }
    this.#hideTextColor(textarea, color);
  }

  #syncScroll(): void {
    const mirror = this.#mirror;
    const textarea = this.textarea;
    if (mirror === null || textarea === undefined) return;
    mirror.scrollTop = textarea.scrollTop;
    mirror.scrollLeft = textarea.scrollLeft;
  }

  /** While ghost text shows, the mirror draws the text: the textarea's own text is hidden. */
  #hideTextColor(textarea: HTMLTextAreaElement, color: string): void {
    if (this.#savedStyle === undefined) {
      this.#savedStyle = {
        color: textarea.style.getPropertyValue('color'),
        colorPriority: textarea.style.getPropertyPriority('color'),
        caretColor: textarea.style.getPropertyValue('caret-color'),
        caretPriority: textarea.style.getPropertyPriority('caret-color'),
        computedColor: color,
        caretComputed: caretColorOf(textarea, color),
      };
    }
    const caret = this.#savedStyle.caretComputed;
    textarea.style.setProperty('caret-color', caret, 'important');
    textarea.style.setProperty('color', 'transparent', 'important');
  }

  #restoreTextColor(textarea: HTMLTextAreaElement): void {
    const saved = this.#savedStyle;
    if (saved === undefined) return;
    this.#savedStyle = undefined;
    textarea.style.removeProperty('color');
    textarea.style.removeProperty('caret-color');
    if (saved.color !== '') textarea.style.setProperty('color', saved.color, saved.colorPriority);
    if (saved.caretColor !== '') {
      textarea.style.setProperty('caret-color', saved.caretColor, saved.caretPriority);
    }
  }
}
