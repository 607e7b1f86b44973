/** The Content-Type for a file path; models (.onnx, .ort) and anything unknown are bytes. */
export function contentType(path: string): string;
