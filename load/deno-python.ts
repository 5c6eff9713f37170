/** The load run's Python app (load/python.ts) under `deno serve`. */
import { handle } from '../src/targets/deno/index.ts';
import { loadPythonLoadApp } from './python.ts';

export default handle(await loadPythonLoadApp());
