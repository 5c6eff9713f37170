/** The fault fixture under `deno serve`, through the Deno target as published (`wsgi-edge/deno`). */
import { handle } from 'wsgi-edge/deno';
import { faultApp } from './apps.ts';

export default handle(faultApp);
