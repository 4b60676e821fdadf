export { ConvertError, type ConvertErrorCode } from './errors.js';
export { bytesPerElement, type DataType, elementCount, type StateDict, type Tensor } from './tensor.js';
