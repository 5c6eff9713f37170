import { describe, expect, it } from 'vitest';
import { TurnBatch } from '../../src/core/turn-batch.ts';

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

describe('TurnBatch', () => {
  it('runs every app of a turn, in arrival order, before sending any response', () => {
    const turns = manualTurns();
    const batch = new TurnBatch(turns.schedule);
    const events: string[] = [];
    for (const name of ['a', 'b', 'c']) {
      batch.add(() => {
        events.push(`app ${name}`);
        return () => events.push(`send ${name}`);
      }, () => events.push(`fail ${name}`));
    }
    expect(turns.scheduled()).toBe(1);
    expect(events).toEqual([]);
    turns.endTurn();
    expect(events).toEqual(['app a', 'app b', 'app c', 'send a', 'send b', 'send c']);
  });

  it('serves a request queued while a batch runs in the next turn', () => {
    const turns = manualTurns();
    const batch = new TurnBatch(turns.schedule);
    const events: string[] = [];
    batch.add(() => {
      events.push('app first');
      batch.add(() => {
        events.push('app late');
        return () => events.push('send late');
      }, () => events.push('fail late'));
      return () => events.push('send first');
    }, () => events.push('fail first'));
    turns.endTurn();
    expect(events).toEqual(['app first', 'send first']);
    expect(turns.scheduled()).toBe(1);
    turns.endTurn();
    expect(events).toEqual(['app first', 'send first', 'app late', 'send late']);
  });

  it('fails only the request whose app or send threw, and serves the rest', () => {
    const turns = manualTurns();
    const batch = new TurnBatch(turns.schedule);
    const events: string[] = [];
    batch.add(() => {
      throw new Error('app broke');
    }, (error) => events.push(`fail 1: ${(error as Error).message}`));
    batch.add(() => () => {
      throw new Error('send broke');
    }, (error) => events.push(`fail 2: ${(error as Error).message}`));
    batch.add(() => undefined, () => events.push('fail 3'));
    batch.add(() => () => events.push('send 4'), () => events.push('fail 4'));
    turns.endTurn();
    expect(events).toEqual(['fail 1: app broke', 'fail 2: send broke', 'send 4']);
  });
});
