import { BgComplete } from './bg-complete.js';

export * from './element.js';

// Importing the package defines <bg-complete> (once: a second copy of the package leaves it be).
if (!customElements.get('bg-complete')) customElements.define('bg-complete', BgComplete);

declare global {
  interface HTMLElementTagNameMap {
    'bg-complete': BgComplete;
  }
}
