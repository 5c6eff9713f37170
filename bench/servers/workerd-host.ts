/**
 * Runs one built Worker module in workerd through miniflare, on 127.0.0.1:BENCH_PORT, until SIGTERM.
 * Usage: node workerd-host.js <module.js>. workerd is miniflare's child, so it inherits this process's
 * CPU pinning.
 * @module
 */

import { Miniflare } from 'miniflare';

const scriptPath = process.argv[2];
if (!scriptPath) throw new Error('usage: workerd-host.js <module.js>');
const mf = new Miniflare({
  modules: true,
  scriptPath,
  // The date of the workerd that miniflare bundles, as in wrangler.toml.
  compatibilityDate: '2026-04-26',
  host: '127.0.0.1',
  port: Number(process.env.BENCH_PORT ?? 0),
});
const url = await mf.ready;
console.log(JSON.stringify({ url: url.href }));
process.once('SIGTERM', () => void mf.dispose().then(() => process.exit(0)));
