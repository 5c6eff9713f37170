/**
 * A Worker that restores one memory snapshot twice (python-restore.test.ts makes it in Node, after
 * `import random`, and bundles it as a `Data` module) and answers what `random` draws in each restore.
 * @module
 */

import { loadPyodideInWorkerd } from '../../src/python/workerd.ts';
import snapshot from '../../dist/.python-restore/random.bin';

export default {
  async fetch(): Promise<Response> {
    const draws: number[] = [];
    for (let i = 0; i < 2; i++) {
      const pyodide = await loadPyodideInWorkerd({ snapshot });
      draws.push(pyodide.runPython('import random\nrandom.random()') as number);
    }
    return Response.json(draws);
  },
};
