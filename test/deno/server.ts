/**
 * The conformance fixture for `deno serve`: `conformanceApp` behind the Deno target, imported by the
 * package's published name (resolved through its exports to the built `dist/`), as a Deno project that
 * installed the package would.
 * @module
 */

import { handle } from 'wsgi-edge/deno';
import { conformanceApp } from '../conformance/apps.ts';

export default handle(conformanceApp);
