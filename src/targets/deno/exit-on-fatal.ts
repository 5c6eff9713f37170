/**
 * What a process under `deno serve` does when its Python interpreter dies: log one line and send itself
 * SIGTERM, on which `deno serve` shuts down gracefully (no new connection; the responses under way, the
 * 500 of the request that found out among them, finish) and exits with `Deno.exitCode`. So no later
 * request meets the dead interpreter, and whatever runs `deno serve` (systemd, a container's restart
 * policy) starts a fresh one. Exiting on `info.completed` instead would lose that 500: it settles before
 * the bytes are out.
 * @module
 */

/** The part of Deno's namespace this needs, written out as types.ts does for the rest. */
declare const Deno: { pid: number; exitCode: number; kill(pid: number, signal: 'SIGTERM'): void };

/** Exit status after the interpreter died, as `wsgi-edge serve` has it. */
export const INTERPRETER_DIED = 3;

/** An `onFatal` for `loadPythonApp` under `deno serve`: `loadPythonApp({ app, onFatal: exitOnFatal() })`. */
export function exitOnFatal(status: number = INTERPRETER_DIED): (error: { message: string }) => void {
  return (error) => {
    console.error(`wsgi-edge: ${error.message}; exiting, so that no later request meets it`);
    Deno.exitCode = status;
    Deno.kill(Deno.pid, 'SIGTERM');
  };
}
