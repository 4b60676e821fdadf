// Chromium for the browser tests and the benchmark (bench/widget): where it is, and the flags
// these machines need. Plain JavaScript so that Node scripts and the TypeScript tests share it.
import { existsSync } from 'node:fs';

/**
 * Where Chromium is: `CHROMIUM_PATH`, else Debian's `/usr/bin/chromium` (`apt-get install -y
 * chromium`; scripts/install-chromium.sh does it on a CI machine), else other usual places.
 *
 * @returns {string}
 */
export function findChromium() {
  const candidates = [
    process.env.CHROMIUM_PATH,
    '/usr/bin/chromium',
    '/usr/bin/chromium-browser',
    '/usr/bin/google-chrome',
    '/usr/bin/google-chrome-stable',
  ];
  for (const candidate of candidates) {
    if (candidate !== undefined && candidate !== '' && existsSync(candidate)) return candidate;
  }
  throw new Error(
    'Chromium is needed and none was found. Install it with ' +
      '`sudo apt-get install -y chromium` (or run packages/widget/scripts/install-chromium.sh), or ' +
      'set CHROMIUM_PATH to a Chromium or Chrome binary.',
  );
}

/** Chromium flags for these machines (see shared/ENVIRONMENT.md): no sandbox, no network chatter. */
export const chromiumArguments = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
  // Any host name but 127.0.0.1 fails to resolve: nothing can leave the machine.
  '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1',
];
