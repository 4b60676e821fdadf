#!/usr/bin/env sh
# Installs Debian's Chromium for the browser tests of @bg-gpt2/widget and apps/web-demo when no
# Chromium is there yet (playwright's own download cannot work on these machines). CI runs it
# before `pnpm check`:  sh packages/widget/scripts/install-chromium.sh
# Set CHROMIUM_PATH to use another Chromium or Chrome binary instead.
set -eu
if [ -n "${CHROMIUM_PATH:-}" ] && [ -x "${CHROMIUM_PATH}" ]; then
  exit 0
fi
for candidate in /usr/bin/chromium /usr/bin/chromium-browser /usr/bin/google-chrome; do
  if [ -x "$candidate" ]; then
    exit 0
  fi
done
run() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}
run apt-get update -qq
run env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
/usr/bin/chromium --version
