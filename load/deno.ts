/** The load app under `deno serve`, from the library's sources (as app/deno.ts). */
import { handle } from '../src/targets/deno/index.ts';
import { loadApp } from './app.ts';

export default handle(loadApp);
