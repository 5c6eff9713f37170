/**
 * The requests that reach a server in one turn of its event loop, served together once the turn's I/O
 * is done: every request's preparation (the gateway's environ), then every app, one after another in
 * arrival order, then every response. Run back to back,
 * the apps find their code and data still in the CPU's caches (for a Python app, Pyodide's interpreter
 * and heap, a working set far larger than the server's), and so does the server's own per-request code
 * afterwards; interleaved, each evicts the other. Under load that eviction was most of a request's cost
 * (bench/PROFILE.md, "Requests served a turn at a time"). A lone request waits for nothing but the end of
 * the turn's I/O.
 *
 * The Node simple server queues every request; the Deno target serves the first of each turn at once
 * (`firstOfTurn`) and queues the rest. An app told of its requests as they are prepared (`preparingApp`)
 * may put its work for all of them into one step between the preparations and the apps
 * (`deferUntilPrepared`): the Python bridge calls every app of the batch in one call into Pyodide.
 *
 * The price: an app that runs long holds the responses of the requests served before it in its turn, as
 * without batching it holds every request behind it. Sending the responses made so far once the apps
 * had run for 1 ms cost Flask 5 % of its throughput under load and lowered no latency wrk measured.
 * @module
 */

/** What sends a response once its app has run; `undefined` when the request was answered already. */
export type SendResponse = (() => void) | undefined;

/** Runs one request's app. */
export type StartRequest = () => SendResponse;

/** Does the server's own work for a request before its app (its environ); what it returns runs the app. */
export type PrepareRequest = () => StartRequest;

/** Answers a request whose start or send threw; the other requests of the batch go on. */
export type FailRequest = (error: unknown) => void;

/**
 * Where an error goes that a request's own `fail` threw: it cannot be answered any more, and it must not
 * stop the rest of the batch or escape the turn (on Node that would end the process).
 */
export type ReportError = (error: unknown) => void;

const reportToConsole: ReportError = (error) => console.error('wsgi-edge: a request could not be answered after a failure:', error);

/** What `deferUntilPrepared` keeps while a batch prepares its requests; `undefined` at any other time. */
let deferredWhilePreparing: (() => void)[] | undefined;

/**
 * Puts `work` off until every request of the batch being prepared has been, before any app is called:
 * an app told of its requests as they are prepared (`preparingApp`) can then do its part for all of them
 * at once (the Python bridge runs every app of a turn in one call into the interpreter, where JavaScript
 * between two apps slows the next; bench/PROFILE.md). `false` when no batch is preparing its requests (a
 * request served alone, a target without batches): `work` is then not kept, and the caller does its
 * work when the app is called.
 */
export function deferUntilPrepared(work: () => void): boolean {
  if (deferredWhilePreparing === undefined) return false;
  deferredWhilePreparing.push(work);
  return true;
}

/** How a platform runs a callback after the current turn's I/O callbacks (Node's and Deno's `setImmediate`). */
export type ScheduleAfterIo = (run: () => void) => void;

export class TurnBatch {
  readonly #scheduleAfterIo: ScheduleAfterIo;
  readonly #report: ReportError;
  #queued: Queued[] = [];
  #turnOpen = false;

  constructor(scheduleAfterIo: ScheduleAfterIo, report: ReportError = reportToConsole) {
    this.#scheduleAfterIo = scheduleAfterIo;
    this.#report = report;
  }

  /**
   * Whether a request arriving now is the first of its turn, for a target that serves that one at once
   * and gives only the turn's later requests to `add` (Deno: see src/targets/deno/index.ts).
   */
  firstOfTurn(): boolean {
    return this.#openTurn();
  }

  /**
   * Queues a request for the end of this turn's I/O. There every request is prepared first, then every
   * app runs, then every response is sent.
   */
  add(prepare: PrepareRequest, fail: FailRequest): void {
    this.#queued.push({ prepare, fail });
    this.#openTurn();
  }

  /** Schedules the turn's batch unless it is scheduled already; whether it was not. */
  #openTurn(): boolean {
    if (this.#turnOpen) return false;
    this.#turnOpen = true;
    this.#scheduleAfterIo(this.#run);
    return true;
  }

  readonly #run = (): void => {
    const queued = this.#queued;
    // A request that arrives while this batch runs is the first of the next turn.
    this.#queued = [];
    this.#turnOpen = false;
    const prepared: Prepared[] = [];
    const deferred: (() => void)[] = [];
    deferredWhilePreparing = deferred;
    try {
      for (const { prepare, fail } of queued) {
        try {
          prepared.push({ start: prepare(), fail });
        } catch (error) {
          this.#fail(fail, error);
        }
      }
    } finally {
      deferredWhilePreparing = undefined;
    }
    // Whoever put work off answers its own requests' failures (when their apps are called): what
    // escapes is reported, not thrown.
    for (const work of deferred) {
      try {
        work();
      } catch (error) {
        this.#report(error);
      }
    }
    const ready: Ready[] = [];
    for (const { start, fail } of prepared) {
      let send: SendResponse;
      try {
        send = start();
      } catch (error) {
        this.#fail(fail, error);
      }
      if (send !== undefined) ready.push({ send, fail });
    }
    for (const { send, fail } of ready) {
      try {
        send();
      } catch (error) {
        this.#fail(fail, error);
      }
    }
  };

  #fail(fail: FailRequest, error: unknown): void {
    try {
      fail(error);
    } catch (failure) {
      this.#report(failure);
    }
  }
}

interface Queued {
  readonly prepare: PrepareRequest;
  readonly fail: FailRequest;
}

interface Prepared {
  readonly start: StartRequest;
  readonly fail: FailRequest;
}

interface Ready {
  readonly send: () => void;
  readonly fail: FailRequest;
}
