/**
 * wsgi-edge on workerd: the bench app through `wsgi-edge/cloudflare`. There is no file system in a
 * Worker, so `/stream/file` is not offered here.
 * @module
 */

import { handle } from '../../src/targets/cloudflare/index.ts';
import { benchWsgiApp } from '../apps/wsgi.ts';

export default handle(benchWsgiApp());
