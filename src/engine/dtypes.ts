// The element types the engine handles, and how ONNX names and stores them.

export type DType = 'float32' | 'float64' | 'int64' | 'int32' | 'bool' | 'uint8';

export const isFloat = (d: DType): boolean => d === 'float32' || d === 'float64';

/** ONNX TensorProto.DataType codes. */
export const DTYPE_TO_ONNX: Record<DType, number> = { float32: 1, uint8: 2, int32: 6, int64: 7, bool: 9, float64: 11 };
export const ONNX_TO_DTYPE: Record<number, DType> = { 1: 'float32', 2: 'uint8', 6: 'int32', 7: 'int64', 9: 'bool', 11: 'float64' };

/** Bytes per element in ONNX raw tensor data. */
export const DTYPE_BYTES: Record<DType, number> = { float32: 4, float64: 8, int64: 8, int32: 4, bool: 1, uint8: 1 };
