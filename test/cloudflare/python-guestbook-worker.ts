/**
 * The sqlite3 guestbook (app/guestbook.py) as a Worker: the source imported as Text, Pyodide started
 * inside the Worker on the first request. Bundled with app/cloudflare-python/wrangler.toml's rules.
 * @module
 */

import { handle } from '../../src/targets/cloudflare/index.ts';
import { lazyPythonApp } from '../../src/python/workerd.ts';
import guestbook from '../../app/guestbook.py';

export default handle(lazyPythonApp({ app: 'guestbook', files: { 'guestbook.py': guestbook } }));
