/** Where Chromium is (`CHROMIUM_PATH`, else the usual places); throws when there is none. */
export function findChromium(): string;
/** Chromium flags for these machines: no sandbox, no network chatter, 127.0.0.1 only. */
export const chromiumArguments: string[];
