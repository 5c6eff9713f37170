/**
 * What Python must be told after a memory snapshot is restored, on every platform (`loadSnapshot` in
 * Node and Deno, `loadPyodideInWorkerd` on Workers). No platform imports: Workers bundle it.
 * @module
 */

import type { PyodideInterface } from 'pyodide';

/**
 * Fresh random state (else every process from one snapshot draws the same numbers), and the empty
 * sys.path entry that each loadPyodide adds kept once. The environment is not set here: os.environ still
 * holds the values of where the snapshot was made until the app is started with its `env` (load.ts),
 * which replaces them all.
 *
 * The mounted folders' finders forget their listings when the bridge looks the app up (`load_app`), not
 * here. Not `json` either: its first import after a restore costs 0.15 s.
 */
export function afterRestore(pyodide: PyodideInterface): void {
  // Its own globals, so that nothing lands in __main__.
  const scope = pyodide.toPy({});
  try {
    pyodide.runPython(`
import sys
if 'random' in sys.modules:
    sys.modules['random'].seed()
while sys.path.count('') > 1:
    sys.path.remove('')
`, { globals: scope });
  } finally {
    scope.destroy();
  }
}
