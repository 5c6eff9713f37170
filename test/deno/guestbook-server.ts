/**
 * The sqlite3 guestbook (app/guestbook.py) for `deno serve`, from the folder GUESTBOOK_DIR names (a fresh
 * copy per test, whose database file the app creates beside itself), through the package's published
 * names as a Deno project that installed wsgi-edge and Pyodide would write it.
 * @module
 */

import process from 'node:process';
import { handle } from 'wsgi-edge/deno';
import { loadPythonApp } from 'wsgi-edge/python';

const folder = process.env.GUESTBOOK_DIR;
if (folder === undefined) throw new Error('GUESTBOOK_DIR names no folder');
export default handle(await loadPythonApp({ app: 'guestbook', path: [folder] }));
