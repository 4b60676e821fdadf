export { RuntimeError, type RuntimeErrorCode } from './errors.js';
