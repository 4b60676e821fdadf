import { css } from 'lit';

/**
 * The element's styles. Themable with custom properties (`--bg-complete-*`) and parts
 * (`textarea`, `ghost`, `mirror`, `progress`, `progress-bar`, `status`); follows the page's
 * light or dark color scheme.
 */
export const bgCompleteStyles = css`
  :host {
    display: inline-block;
    position: relative;
    color-scheme: light dark;
    vertical-align: top;
    box-sizing: border-box;
  }
  :host([hidden]) {
    display: none;
  }
  .frame {
    position: relative;
    display: grid;
  }
  textarea {
    box-sizing: border-box;
    inline-size: 100%;
    min-block-size: var(--bg-complete-min-height, 6em);
    margin: 0;
    padding: var(--bg-complete-padding, 0.5em 0.6em);
    font: var(--bg-complete-font, inherit);
    line-height: var(--bg-complete-line-height, 1.5);
    color: var(--bg-complete-color, CanvasText);
    background: var(--bg-complete-background, Canvas);
    border: var(--bg-complete-border, 1px solid color-mix(in srgb, CanvasText 35%, transparent));
    border-radius: var(--bg-complete-radius, 6px);
    resize: vertical;
  }
  textarea:focus-visible {
    outline: var(--bg-complete-focus-outline, 2px solid Highlight);
    outline-offset: 1px;
  }
  :host([state='error']) textarea {
    border-color: var(--bg-complete-error-color, #c62828);
  }
  ::slotted(textarea) {
    box-sizing: border-box;
    inline-size: 100%;
  }
  .mirror {
    position: absolute;
    inset-block-start: 0;
    inset-inline-start: 0;
    overflow: hidden;
    pointer-events: none;
    white-space: pre-wrap;
    overflow-wrap: break-word;
    border-color: transparent !important;
    background: transparent !important;
    visibility: hidden;
  }
  .mirror.shown {
    visibility: visible;
  }
  .ghost {
    color: var(--bg-complete-ghost-color, color-mix(in srgb, currentColor 62%, transparent));
    font-style: var(--bg-complete-ghost-font-style, normal);
  }
  .progress {
    position: absolute;
    inset-inline: 1px;
    inset-block-end: 1px;
    block-size: var(--bg-complete-progress-height, 3px);
    overflow: hidden;
    border-radius: 0 0 var(--bg-complete-radius, 6px) var(--bg-complete-radius, 6px);
    pointer-events: none;
  }
  .progress-bar {
    block-size: 100%;
    inline-size: 100%;
    transform-origin: left;
    background: var(--bg-complete-progress-color, Highlight);
    transition: transform 120ms linear;
  }
  .status {
    margin-block-start: 0.25em;
    font-size: 0.85em;
    color: var(--bg-complete-error-color, #c62828);
  }
  @media (prefers-color-scheme: dark) {
    .status {
      color: var(--bg-complete-error-color, #ff8a80);
    }
  }
  .visually-hidden {
    position: absolute;
    inline-size: 1px;
    block-size: 1px;
    overflow: hidden;
    clip-path: inset(50%);
    white-space: nowrap;
  }
`;
