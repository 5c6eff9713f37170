/**
 * src/core/chunk-release.ts: a body buffer goes back to its producer once, when a transport reports any
 * view of it written, and never for a chunk no one lent; a stream's lent chunks go back on a pull once
 * the bytes its reader took after them pass what that reader is known to hold, and only while nothing
 * else reads the stream.
 */
import { describe, expect, it } from 'vitest';
import { chunkWritten, LentChunks, releaseTakenChunks, releaseWhenWritten } from '../../src/core/chunk-release.ts';

describe('chunk release', () => {
  it('calls the release once, for the chunk or any view of its buffer', () => {
    const buffer = new Uint8Array(16);
    const released: string[] = [];
    releaseWhenWritten(buffer.subarray(0, 8), () => released.push('first'));
    chunkWritten(buffer.subarray(0, 4));
    chunkWritten(buffer);
    expect(released).toEqual(['first']);
    releaseWhenWritten(buffer, () => released.push('second'));
    chunkWritten(buffer);
    expect(released).toEqual(['first', 'second']);
  });

  it('does nothing for a chunk no producer lent', () => {
    const released: string[] = [];
    releaseWhenWritten(new Uint8Array(4), () => released.push('other'));
    chunkWritten(new Uint8Array(4));
    expect(released).toEqual([]);
  });
});

describe('lent chunks of a stream', () => {
  const KIB = 1024;
  /** A stream whose reader holds `heldBytes`, its ledger, and lent chunks that record their release. */
  const setUp = (heldBytes: number | undefined, direct = () => true) => {
    const stream = new ReadableStream<Uint8Array>();
    if (heldBytes !== undefined) releaseTakenChunks(stream, { heldBytes, direct });
    const released: string[] = [];
    const lend = (name: string, size: number) => {
      const chunk = new Uint8Array(size);
      releaseWhenWritten(chunk, () => released.push(name));
      return chunk;
    };
    return { lent: new LentChunks(stream), released, lend };
  };

  it('releases a chunk on a pull once the reader took heldBytes after it, before the latest chunk', () => {
    const { lent, released, lend } = setUp(64 * KIB);
    lent.enqueued(lend('a', 64 * KIB));
    lent.pulled();
    lent.enqueued(lend('b', 64 * KIB));
    lent.pulled();
    // 'b' is the latest: nothing was taken between 'a' and it.
    expect(released).toEqual([]);
    lent.enqueued(lend('c', 64 * KIB));
    expect(released).toEqual([]);
    lent.pulled();
    expect(released).toEqual(['a']);
    lent.enqueued(lend('d', 64 * KIB));
    lent.pulled();
    expect(released).toEqual(['a', 'b']);
  });

  it('counts chunks no producer lent among the bytes taken after a lent one', () => {
    const { lent, released, lend } = setUp(64 * KIB);
    lent.enqueued(lend('a', KIB));
    lent.enqueued(new Uint8Array(32 * KIB));
    lent.enqueued(new Uint8Array(32 * KIB - 1));
    lent.enqueued(new Uint8Array(1));
    lent.pulled();
    expect(released).toEqual([]);
    lent.enqueued(new Uint8Array(1));
    lent.pulled();
    expect(released).toEqual(['a']);
  });

  it('releases nothing while something else has read the stream, or when no reader is known', () => {
    let direct = true;
    const watched = setUp(0, () => direct);
    direct = false;
    const unknown = setUp(undefined);
    for (const { lent, lend } of [watched, unknown]) {
      for (const name of ['a', 'b', 'c', 'd']) {
        lent.enqueued(lend(name, KIB));
        lent.pulled();
      }
    }
    expect(watched.released).toEqual([]);
    expect(unknown.released).toEqual([]);
  });
});
