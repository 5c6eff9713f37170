/**
 * Runs one built Worker module in workerd through miniflare, on 127.0.0.1:BENCH_PORT, until SIGTERM.
 * Usage: node workerd-host.js <module.js>. workerd is miniflare's child, so it inherits this process's
 * CPU pinning.
 *
 * The Worker listens on a socket of its own (miniflare's `unsafeDirectSockets`), not behind miniflare's
 * entry Worker: that one is miniflare's local-development front (it adds `request.cf`, proxies to the
 * Worker and back) and cost some 200 µs of workerd's CPU a request here, against the 35-45 µs of the
 * Worker itself, so that the gateway's share was lost in the front's (bench/PROFILE.md). On Cloudflare a
 * request reaches the isolate without it.
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
  unsafeDirectSockets: [{ host: '127.0.0.1', port: Number(process.env.BENCH_PORT ?? 0) }],
});
await mf.ready;
const url = await mf.unsafeGetDirectURL();
console.log(JSON.stringify({ url: url.href }));
process.once('SIGTERM', () => void mf.dispose().then(() => process.exit(0)));
