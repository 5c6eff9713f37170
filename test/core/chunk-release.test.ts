/**
 * src/core/chunk-release.ts: a body buffer goes back to its producer once, when a transport reports any
 * view of it written, and never for a chunk no one lent.
 */
import { describe, expect, it } from 'vitest';
import { chunkWritten, releaseWhenWritten } from '../../src/core/chunk-release.ts';

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
