/**
 * The seed's app written for Hono, as a Hono user would: the front page, `/encode` and the 404, with the
 * seed's own helpers so that the pages are byte for byte the WSGI app's. Used for the size comparison
 * (bench/entries/hono-*.ts) and, with the bench routes added, for throughput.
 * @module
 */

import { Hono } from 'hono';
import { encodePage, FRONT_PAGE, HTML, queryOf, TEXT } from './shared.ts';

export function seedHono(): Hono {
  const app = new Hono();
  app.get('/', (c) => {
    if (queryOf(c.req.url) !== '') return c.body('Error: the front page is not a form', 400, { 'Content-Type': TEXT });
    return c.body(FRONT_PAGE, 200, { 'Content-Type': HTML });
  });
  app.get('/encode', (c) => {
    const page = encodePage(queryOf(c.req.url));
    if (page === undefined) return c.body('Error: this form requires a "mystring" parameter', 400, { 'Content-Type': TEXT });
    return c.body(page, 200, { 'Content-Type': HTML });
  });
  app.all('/', (c) => c.body('Error: the front page is not a form', 400, { 'Content-Type': TEXT }));
  app.all('/encode', (c) => c.body('Error: this form does not support POST parameters', 400, { 'Content-Type': TEXT }));
  app.notFound((c) => c.body('That URL is not valid', 404, { 'Content-Type': TEXT }));
  return app;
}
