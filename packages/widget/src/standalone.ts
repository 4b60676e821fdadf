// The standalone build (dist/bg-complete.min.js): the element with Lit bundled in, for a page
// without a bundler: <script type="module" src=".../bg-complete.min.js"></script>.
export * from './index.js';
