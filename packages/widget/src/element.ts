// The element class without registering it (`customElements.define('my-name', BgComplete)`).
export {
  type BgAcceptDetail,
  BgComplete,
  type BgCompleteMessages,
  type BgCompleteState,
  type BgErrorDetail,
  type BgProgressDetail,
  type BgReadyDetail,
  type BgSuggestionDetail,
  defaultModelPath,
} from './bg-complete.js';
export {
  canSuggestAt,
  contextBeforeCaret,
  firstWord,
  isWordCharacter,
  remainderAfterTyping,
  visibleSuggestion,
} from './ghost-text.js';
export type { RequestStatistics } from './worker-client.js';
