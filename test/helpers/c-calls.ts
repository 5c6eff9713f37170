/**
 * Test helper: Python that makes one call of each calling convention CPython sends through its call
 * trampoline (a C function called through a pointer whose parameter count it does not know), for the
 * trampoline's tests on Node (test/python/call-trampoline.test.ts) and in workerd.
 * @module
 */

/** Defines `calls()`, whose results, as JSON, are `C_CALLS_EXPECTED`. Imports `json`, which the tests use to read them. */
export const C_CALLS = `
import functools, itertools, json
def calls():
    d = {'a': 1}
    d.update(b=2)
    return [
        'abc'.upper(),                          # METH_NOARGS
        (1, 2).__len__(),                       # a slot wrapper
        '-'.join(['a', 'b']),                   # METH_O
        '{}-{x}'.format(1, x=2),                # METH_VARARGS | METH_KEYWORDS
        d,                                      # dict.update: METH_VARARGS | METH_KEYWORDS
        list(itertools.chain([1], [2])),        # tp_new
        functools.partial(max, 1)(3),           # tp_call
        list(zip([1, 2], 'ab')),                # tp_iternext
        bytes(2).hex(),
        json.loads(json.dumps({'x': [1, 2]})),
        sorted([3, 1, 2], key=lambda x: -x),    # METH_FASTCALL | METH_KEYWORDS
        'a,b,c'.split(',', 1),                  # METH_FASTCALL
    ]
`;

export const C_CALLS_EXPECTED = ['ABC', 2, 'a-b', '1-2', { a: 1, b: 2 }, [1, 2], 3, [[1, 'a'], [2, 'b']], '0000', { x: [1, 2] }, [3, 2, 1], ['a', 'b,c']];

/**
 * How many times `run` calls `table.get`: Pyodide's JavaScript trampoline (`_PyEM_TrampolineCall_JS`) takes
 * each function it calls from there, and the installed trampoline only the first time it meets an index.
 */
export function tableLookups(table: WebAssembly.Table, run: () => void): number {
  let lookups = 0;
  const get = WebAssembly.Table.prototype.get;
  table.get = function (this: WebAssembly.Table, index: number) {
    lookups++;
    return get.call(this, index);
  };
  try {
    run();
  } finally {
    delete (table as Partial<WebAssembly.Table>).get;
  }
  return lookups;
}
