/**
 * `npm start`: the seed's app on the simple server, as the original `make_server('localhost', 8000,
 * simple_app).serve_forever()`. `PORT` overrides the port; Ctrl-C stops it cleanly.
 * @module
 */

import { makeServer } from '../src/wsgiref/simple-server.ts';
import { base64App } from './base64-app.ts';

const host = process.env.HOST ?? 'localhost';
const port = Number(process.env.PORT ?? 8000);
const server = await makeServer(host, port, base64App);
console.log(`Listening on ${host}:${server.port}`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void server.close();
  });
}
await server.serveForever();
