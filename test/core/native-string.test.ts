/** The byte length the gateway declares for a string body is the length of its UTF-8 encoding. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { joinChunks, utf8Length } from '../../src/core/native-string.ts';

const utf8 = new TextEncoder();
// Code units of every width, lone surrogates included (they are sent as U+FFFD).
const unit = fc.oneof(
  fc.integer({ min: 0, max: 0x7f }),
  fc.integer({ min: 0x80, max: 0x7ff }),
  fc.integer({ min: 0xd800, max: 0xdfff }),
  fc.integer({ min: 0x800, max: 0xffff }),
).map((code) => String.fromCharCode(code));

describe('utf8Length', () => {
  it('is the length TextEncoder gives, for any string', () => {
    fc.assert(fc.property(fc.string({ unit, maxLength: 12 }), (text) => {
      expect(utf8Length(text)).toBe(utf8.encode(text).length);
    }), { numRuns: 5000 });
  });
});

describe('joinChunks', () => {
  it('keeps strings as one string, and mixed chunks as their bytes in order', () => {
    expect(joinChunks(['a', 'é'])).toBe('aé');
    expect(joinChunks(['é', new Uint8Array([1])])).toEqual(new Uint8Array([0xc3, 0xa9, 1]));
  });
});
