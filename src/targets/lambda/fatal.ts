/**
 * What a Lambda function does when its interpreter can no longer be trusted (a Python app in Pyodide
 * overflowed the wasm stack, or raised SystemExit): fail the running invocation and leave the process,
 * so that Lambda initializes a fresh one for the next invocation instead of answering 500 from a dead
 * interpreter until the sandbox is recycled.
 * @module
 */

/**
 * Fails the running invocation as the Node.js runtime fails one on an uncaught exception: its
 * `uncaughtException` listener posts the error for the current request id, then exits (status 129).
 * The listener is called here, synchronously, so the invocation's own 500 can never be posted first
 * (a thrown error would only reach it after the pending promise callbacks had answered). Pass it as
 * `loadPythonApp`'s `onFatal`. Outside a runtime that listens (no listener), the process exits at once.
 */
export function failInvocation(error: Error): void {
  console.error(`wsgi-edge: ${error.message}; failing this invocation so that the next one starts a fresh process`);
  if (!process.emit('uncaughtException', error)) process.exit(1);
}
