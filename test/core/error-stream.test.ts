import { describe, expect, it } from 'vitest';
import { createErrorStream, writeWholeLine } from '../../src/core/error-stream.ts';
import type { ErrorStream } from '../../src/core/types.ts';

describe('wsgi.errors', () => {
  it('hands complete lines to its sink, a message written in pieces as one line, the rest on flush', () => {
    const lines: string[] = [];
    const errors = createErrorStream((line) => lines.push(line));
    errors.write('one ');
    errors.write('line\ntwo\nthr');
    errors.writelines(['ee', '\n', 'tail']);
    expect(lines).toEqual(['one line', 'two', 'three']);
    errors.flush();
    expect(lines).toEqual(['one line', 'two', 'three', 'tail']);
  });

  it('writeWholeLine: a line of its own, past the partial line the stream holds, which stays to be completed', () => {
    const lines: string[] = [];
    const errors = createErrorStream((line) => lines.push(line));
    errors.write('partial ');
    writeWholeLine(errors, 'from elsewhere');
    errors.write('line\n');
    expect(lines).toEqual(['from elsewhere', 'partial line']);
  });

  it('writeWholeLine: a stream given as the errors option gets the line as written text', () => {
    const written: string[] = [];
    const given: ErrorStream = { write: (text) => void written.push(text), writelines: () => undefined, flush: () => undefined };
    writeWholeLine(createErrorStream(given), 'a line');
    expect(written).toEqual(['a line\n']);
  });
});
