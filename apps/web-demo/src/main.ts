import '@bg-gpt2/widget';
import type {
  BgErrorDetail,
  BgProgressDetail,
  BgReadyDetail,
  BgSuggestionDetail,
} from '@bg-gpt2/widget';

const editor = document.querySelector('bg-complete')!;
const status = document.querySelector<HTMLElement>('#status')!;
const textarea = document.querySelector<HTMLTextAreaElement>('#text')!;

function numberInput(id: string): HTMLInputElement {
  return document.querySelector<HTMLInputElement>(`#${id}`)!;
}

/** The settings controls, each bound to the element property of the same meaning. */
const settings = {
  temperature: numberInput('temperature'),
  topP: numberInput('top-p'),
  topK: numberInput('top-k'),
  maxNewTokens: numberInput('max-new-tokens'),
  debounce: numberInput('debounce'),
} as const;

function applySettings(): void {
  for (const [property, input] of Object.entries(settings)) {
    const value = input.valueAsNumber;
    if (Number.isFinite(value)) (editor as unknown as Record<string, number>)[property] = value;
  }
}
for (const input of Object.values(settings)) input.addEventListener('change', applySettings);
applySettings();

let backend = '';
editor.addEventListener('bg-progress', (event) => {
  const { fraction, file } = (event as CustomEvent<BgProgressDetail>).detail;
  status.textContent =
    fraction === undefined
      ? `Зареждане на ${file}…`
      : `Зареждане на модела… ${Math.round(fraction * 100)} %`;
});
editor.addEventListener('bg-ready', (event) => {
  const detail = (event as CustomEvent<BgReadyDetail>).detail;
  backend = detail.backend;
  status.textContent = `Моделът е готов (${backend}, ${Math.round(detail.loadMs)} ms). Пишете!`;
});
editor.addEventListener('bg-suggestion', (event) => {
  const detail = (event as CustomEvent<BgSuggestionDetail>).detail;
  if (detail.complete && detail.suggestion !== '' && detail.firstTextMs !== undefined) {
    status.textContent = `Предложение след ${Math.round(detail.firstTextMs)} ms (${backend}).`;
  }
});
editor.addEventListener('bg-error', (event) => {
  const detail = (event as CustomEvent<BgErrorDetail>).detail;
  status.textContent = `Грешка (${detail.code}): ${detail.message}`;
});

// The model card's example: sampling with top-p 0.92 and no top-k, from "Здравей,".
document.querySelector('#example')!.addEventListener('click', () => {
  settings.temperature.value = '1';
  settings.topP.value = '0.92';
  settings.topK.value = '0';
  settings.maxNewTokens.value = '48';
  applySettings();
  editor.value = 'Здравей,';
  textarea.focus();
  textarea.setSelectionRange(textarea.value.length, textarea.value.length);
  textarea.dispatchEvent(new InputEvent('input', { bubbles: true, inputType: 'insertText' }));
});
