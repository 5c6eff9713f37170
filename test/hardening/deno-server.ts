/** The generated-app fixture under `deno serve`, through the Deno target as published (`wsgi-edge/deno`). */
import { handle } from 'wsgi-edge/deno';
import { recordError, scriptFixture } from './script-fixture.ts';

export default handle(scriptFixture, { errors: recordError });
