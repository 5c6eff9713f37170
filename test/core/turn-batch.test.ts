import { describe, expect, it } from 'vitest';
import { deferUntilPrepared, TurnBatch } from '../../src/core/turn-batch.ts';

/** A schedule that runs only when the test says the turn's I/O is over. */
function manualTurns() {
  const pending: Array<() => void> = [];
  return {
    schedule: (run: () => void) => void pending.push(run),
    endTurn: () => {
      const runs = pending.splice(0);
      for (const run of runs) run();
    },
    scheduled: () => pending.length,
  };
}

/** Serves a request as a target does: at once when first of its turn, else queued. */
function arrive(batch: TurnBatch, events: string[], name: string, fails: { prepare?: boolean; app?: boolean; send?: boolean } = {}): void {
  const prepare = () => {
    events.push(`prepare ${name}`);
    if (fails.prepare) throw new Error(`prepare ${name} broke`);
    return () => {
      events.push(`app ${name}`);
      if (fails.app) throw new Error(`app ${name} broke`);
      return () => {
        if (fails.send) throw new Error(`send ${name} broke`);
        events.push(`send ${name}`);
      };
    };
  };
  if (batch.firstOfTurn()) prepare()()?.();
  else batch.add(prepare, (error) => events.push(`fail: ${(error as Error).message}`));
}

describe('TurnBatch', () => {
  it('serves the first request of a turn at once, and runs every later app of the turn before sending their responses', () => {
    const turns = manualTurns();
    const batch = new TurnBatch(turns.schedule);
    const events: string[] = [];
    for (const name of ['a', 'b', 'c', 'd']) arrive(batch, events, name);
    expect(events).toEqual(['prepare a', 'app a', 'send a']);
    expect(turns.scheduled()).toBe(1);
    turns.endTurn();
    expect(events).toEqual([
      'prepare a', 'app a', 'send a',
      'prepare b', 'prepare c', 'prepare d', 'app b', 'app c', 'app d', 'send b', 'send c', 'send d',
    ]);
  });

  it('opens a new turn once the last one has run: its first request is served at once again', () => {
    const turns = manualTurns();
    const batch = new TurnBatch(turns.schedule);
    const events: string[] = [];
    arrive(batch, events, 'a');
    turns.endTurn();
    arrive(batch, events, 'b');
    arrive(batch, events, 'c');
    expect(events.filter((e) => !e.startsWith('prepare'))).toEqual(['app a', 'send a', 'app b', 'send b']);
    turns.endTurn();
    expect(events.filter((e) => !e.startsWith('prepare'))).toEqual(['app a', 'send a', 'app b', 'send b', 'app c', 'send c']);
    expect(turns.scheduled()).toBe(0);
  });

  it('treats a request that arrives while a batch runs as the first of the next turn', () => {
    const turns = manualTurns();
    const batch = new TurnBatch(turns.schedule);
    const events: string[] = [];
    arrive(batch, events, 'a');
    batch.add(() => () => {
      events.push('app b');
      arrive(batch, events, 'late');
      return () => events.push('send b');
    }, () => events.push('fail b'));
    turns.endTurn();
    expect(events).toEqual(['prepare a', 'app a', 'send a', 'app b', 'prepare late', 'app late', 'send late', 'send b']);
  });

  it('queues every request given to add, the first of a turn too, for the turn\'s end', () => {
    const turns = manualTurns();
    const batch = new TurnBatch(turns.schedule);
    const events: string[] = [];
    for (const name of ['a', 'b']) batch.add(() => () => (events.push(`app ${name}`), () => void events.push(`send ${name}`)), () => events.push('fail'));
    expect(events).toEqual([]);
    expect(turns.scheduled()).toBe(1);
    turns.endTurn();
    expect(events).toEqual(['app a', 'app b', 'send a', 'send b']);
    expect(batch.firstOfTurn()).toBe(true);
    expect(batch.firstOfTurn()).toBe(false);
  });

  it('fails only the request whose app or send threw, and serves the rest', () => {
    const turns = manualTurns();
    const batch = new TurnBatch(turns.schedule);
    const events: string[] = [];
    arrive(batch, events, 'first');
    arrive(batch, events, '0', { prepare: true });
    arrive(batch, events, '1', { app: true });
    arrive(batch, events, '2', { send: true });
    batch.add(() => () => undefined, () => events.push('fail 3'));
    arrive(batch, events, '4');
    turns.endTurn();
    expect(events).toEqual([
      'prepare first', 'app first', 'send first',
      'prepare 0', 'fail: prepare 0 broke', 'prepare 1', 'prepare 2', 'prepare 4',
      'app 1', 'fail: app 1 broke', 'app 2', 'app 4', 'fail: send 2 broke', 'send 4',
    ]);
  });

  it('reports a failure that its request\'s own fail threw, and still serves the rest of the batch', () => {
    const turns = manualTurns();
    const reported: string[] = [];
    const batch = new TurnBatch(turns.schedule, (error) => reported.push((error as Error).message));
    const events: string[] = [];
    const throwingFail = (name: string) => () => {
      throw new Error(`fail ${name} broke`);
    };
    batch.add(() => {
      throw new Error('prepare 0 broke');
    }, throwingFail('0'));
    batch.add(() => () => {
      throw new Error('app 1 broke');
    }, throwingFail('1'));
    batch.add(() => () => () => {
      throw new Error('send 2 broke');
    }, throwingFail('2'));
    batch.add(() => () => (events.push('app 3'), () => void events.push('send 3')), throwingFail('3'));
    expect(() => turns.endTurn()).not.toThrow();
    expect(events).toEqual(['app 3', 'send 3']);
    expect(reported).toEqual(['fail 0 broke', 'fail 1 broke', 'fail 2 broke']);
  });

  it('runs the work put off while its requests were prepared once all of them are, before any app; none outside a batch', () => {
    const turns = manualTurns();
    const batch = new TurnBatch(turns.schedule, (error) => events.push(`reported: ${(error as Error).message}`));
    const events: string[] = [];
    expect(deferUntilPrepared(() => events.push('never'))).toBe(false);
    for (const name of ['a', 'b']) {
      batch.add(() => {
        events.push(`prepare ${name}`);
        expect(deferUntilPrepared(() => {
          events.push(`work of ${name}`);
          if (name === 'a') throw new Error('the work of a broke');
        })).toBe(true);
        return () => {
          events.push(`app ${name}`);
          expect(deferUntilPrepared(() => events.push('never'))).toBe(false);
          return () => events.push(`send ${name}`);
        };
      }, (error) => events.push(`fail: ${(error as Error).message}`));
    }
    turns.endTurn();
    expect(events).toEqual(['prepare a', 'prepare b', 'work of a', 'reported: the work of a broke', 'work of b', 'app a', 'app b', 'send a', 'send b']);
    expect(deferUntilPrepared(() => events.push('never'))).toBe(false);
  });
});
