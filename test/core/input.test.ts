import { describe, expect, it, vi } from 'vitest';
import { buildEnviron, type InputStream } from '../../src/index.ts';

const decoder = new TextDecoder();
const text = (bytes: Uint8Array) => decoder.decode(bytes);

/** A wsgi.input over a body that arrives in the given pieces, counting how many were pulled. */
function inputOf(pieces: string[], maxBodyBytes?: number): { input: InputStream; pulled: () => number } {
  let index = 0;
  const encoder = new TextEncoder();
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      const piece = pieces[index++];
      if (piece === undefined) controller.close();
      else controller.enqueue(encoder.encode(piece));
    },
  }, { highWaterMark: 0 });
  const request = new Request('http://example.test/', { method: 'POST', body: stream, duplex: 'half' } as RequestInit);
  const environ = buildEnviron(request, maxBodyBytes === undefined ? {} : { maxBodyBytes });
  return { input: environ['wsgi.input'], pulled: () => index };
}

describe('wsgi.input', () => {
  it('reads lazily: nothing is pulled until the app reads', async () => {
    const { input, pulled } = inputOf(['ab', 'cd']);
    expect(pulled()).toBe(0);
    expect(text(await input.read(1))).toBe('a');
    expect(pulled()).toBe(1);
  });

  it('read(size) across pieces, then the rest, then empty at EOF', async () => {
    const { input } = inputOf(['abc', 'def', 'gh']);
    expect(text(await input.read(2))).toBe('ab');
    expect(text(await input.read(3))).toBe('cde');
    expect(text(await input.read())).toBe('fgh');
    expect((await input.read()).length).toBe(0);
    expect((await input.read(5)).length).toBe(0);
  });

  it('read(0) is empty and read(-1) reads everything', async () => {
    const { input } = inputOf(['abc']);
    expect((await input.read(0)).length).toBe(0);
    expect(text(await input.read(-1))).toBe('abc');
  });

  it('read() and read(size) copy each byte once however many pieces the body came in, not once per later piece', async () => {
    const pieces = Array.from({ length: 512 }, (_, i) => String.fromCharCode(97 + (i % 26)).repeat(100));
    const body = pieces.join('');
    /** Bytes copied by `Uint8Array.prototype.set` while `action` runs. */
    const copiedDuring = async <T>(action: () => Promise<T>): Promise<{ result: T; copied: number }> => {
      const realSet = Uint8Array.prototype.set;
      let copied = 0;
      const spy = vi.spyOn(Uint8Array.prototype, 'set').mockImplementation(function (this: Uint8Array, source: ArrayLike<number>, offset?: number) {
        copied += source.length;
        realSet.call(this, source, offset);
      });
      try {
        return { result: await action(), copied };
      } finally {
        spy.mockRestore();
      }
    };

    const whole = inputOf(pieces).input;
    const all = await copiedDuring(() => whole.read());
    expect(text(all.result)).toBe(body);
    expect(all.copied).toBeLessThanOrEqual(body.length);

    const sized = inputOf(pieces).input;
    const most = await copiedDuring(() => sized.read(body.length - 50));
    expect(text(most.result) + text(await sized.read())).toBe(body);
    expect(most.copied).toBeLessThanOrEqual(body.length);
  });

  it('readline() splits at newlines across pieces, keeping the newline', async () => {
    const { input } = inputOf(['one\ntw', 'o\n', 'thr', 'ee']);
    expect(text(await input.readline())).toBe('one\n');
    expect(text(await input.readline())).toBe('two\n');
    expect(text(await input.readline())).toBe('three');
    expect((await input.readline()).length).toBe(0);
  });

  it('readline(size) stops at size', async () => {
    const { input } = inputOf(['abcdef\n', 'x']);
    expect(text(await input.readline(4))).toBe('abcd');
    expect(text(await input.readline(10))).toBe('ef\n');
    expect(text(await input.readline(10))).toBe('x');
  });

  it('readlines() with and without a hint', async () => {
    const all = inputOf(['a\nb\n', 'c']);
    expect((await all.input.readlines()).map(text)).toEqual(['a\n', 'b\n', 'c']);
    const hinted = inputOf(['aa\nbb\ncc\n']);
    expect((await hinted.input.readlines(4)).map(text)).toEqual(['aa\n', 'bb\n']);
    expect((await hinted.input.readlines()).map(text)).toEqual(['cc\n']);
  });

  it('iterates line by line as a Python file does', async () => {
    const { input } = inputOf(['x\ny', '\nz']);
    const lines: string[] = [];
    for await (const line of input) lines.push(text(line));
    expect(lines).toEqual(['x\n', 'y\n', 'z']);
  });

  it('a bodyless request reads as empty', async () => {
    const input = buildEnviron(new Request('http://example.test/'))['wsgi.input'];
    expect((await input.read()).length).toBe(0);
    expect((await input.readline()).length).toBe(0);
    expect(await input.readlines()).toEqual([]);
  });

  it('refuses to read past maxBodyBytes', async () => {
    const { input } = inputOf(['12345', '67890', 'abc'], 10);
    expect(text(await input.read(10))).toBe('1234567890');
    await expect(input.read()).rejects.toMatchObject({ code: 'body-too-large', status: 413 });
  });

  it('turns a broken request stream into a 400-class error', async () => {
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new Uint8Array([1]));
        controller.error(new Error('connection reset'));
      },
    });
    const request = new Request('http://example.test/', { method: 'POST', body: stream, duplex: 'half' } as RequestInit);
    const input = buildEnviron(request)['wsgi.input'];
    await expect(input.read()).rejects.toMatchObject({ code: 'input-failed', status: 400 });
  });
});

describe('wsgi.input over a body given as bytes (a transport that holds all of it, as Lambda does)', () => {
  const inputOfBytes = (body: string, maxBodyBytes?: number): InputStream => {
    const request = { method: 'POST', url: 'http://example.test/', headers: new Headers(), body: new TextEncoder().encode(body) };
    return buildEnviron(request, maxBodyBytes === undefined ? {} : { maxBodyBytes })['wsgi.input'];
  };

  it('reads in pieces, by line, then empty at EOF', async () => {
    const input = inputOfBytes('ab\ncd\nef');
    expect(text(await input.read(1))).toBe('a');
    expect(text(await input.readline())).toBe('b\n');
    expect((await input.readlines()).map(text)).toEqual(['cd\n', 'ef']);
    expect((await input.read()).length).toBe(0);
  });

  it('an empty body reads as empty', async () => {
    expect((await inputOfBytes('').read()).length).toBe(0);
  });

  it('refuses to read past maxBodyBytes', async () => {
    await expect(inputOfBytes('x'.repeat(11), 10).read()).rejects.toMatchObject({ code: 'body-too-large' });
    expect(text(await inputOfBytes('x'.repeat(10), 10).read())).toBe('x'.repeat(10));
  });
});
