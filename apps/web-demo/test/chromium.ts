// One way to find and launch Chromium for every browser test of the repository: the widget's
// test harness (Chromium path and flags for these machines, the 127.0.0.1-only network guard).
export {
  findChromium,
  guardNetwork,
  launchChromium,
} from '../../../packages/widget/test/browser/harness.js';
