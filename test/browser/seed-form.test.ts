/**
 * The seed's form used as a person uses it, in headless Chromium, on every target: type, submit, read
 * the answer, follow the link home, submit nothing. What is typed must be what is encoded: the page's
 * charset decides how the browser sends it (a page without one is read, and submitted, as windows-1252).
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './chromium.ts';
import { SEED_TARGETS, type RunningSeed } from './targets.ts';

/** What is typed, and Python's `repr()` of it, which the answer page shows. */
const TYPED: Array<[kind: string, text: string, repr: string]> = [
  ['plain', 'hello world', "'hello world'"],
  ['accented, with markup', 'café <b>&', "'café <b>&'"],
  ['markup with both quotes', `<script>alert("x")</script> it's`, `'<script>alert("x")</script> it\\'s'`],
  ['emoji, outside the BMP', '😀 x', "'😀 x'"],
  ['Cyrillic and CJK', 'Привет, 世界', "'Привет, 世界'"],
];

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

/** Clicks the form's submit button and waits for the page it leads to; resolves with that page's status. */
async function submit(page: Page): Promise<number> {
  const [response] = await Promise.all([
    page.waitForResponse((answer) => answer.request().isNavigationRequest() && new URL(answer.url()).pathname === '/encode'),
    page.click('input[type=submit]'),
  ]);
  await page.waitForLoadState('load');
  return response.status();
}

describe.each(SEED_TARGETS)('the seed form on $name', (target) => {
  let server: RunningSeed;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    server = await target.start();
    context = await browser.newContext();
    page = await context.newPage();
  });
  afterAll(async () => {
    await context?.close();
    await server?.stop();
  });

  it('shows the front page as UTF-8, with its form', async () => {
    const response = await page.goto(`${server.origin}/`);
    expect(response?.status()).toBe(200);
    expect(await page.title()).toBe('wsgi_app.py');
    expect(await page.evaluate(() => document.characterSet)).toBe('UTF-8');
    expect(await page.locator('form[action="encode"] input[name="mystring"]').count()).toBe(1);
  });

  it.each(TYPED)('encodes what is typed: %s', async (_kind, text, repr) => {
    await page.goto(`${server.origin}/`);
    await page.fill('input[name="mystring"]', text);
    expect(await submit(page)).toBe(200);
    // The browser sent the text's UTF-8, form-encoded, and the page shows the text itself and its base64.
    expect(new URL(page.url()).search).toBe(`?${new URLSearchParams({ mystring: text })}`);
    expect(await page.locator('tt').allTextContents()).toEqual([repr, Buffer.from(text, 'utf8').toString('base64')]);
    // Markup typed in stays text: no element came of it.
    expect(await page.locator('body b, body script').count()).toBe(0);
  });

  it('links back to the home page from an answer', async () => {
    await page.goto(`${server.origin}/encode?mystring=back`);
    await Promise.all([page.waitForURL(`${server.origin}/`), page.click('text=Return to the home page')]);
    expect(await page.locator('input[name="mystring"]').count()).toBe(1);
    expect(await page.locator('body').textContent()).toContain('Welcome! Enter a string:');
  });

  it('answers an empty form with its error', async () => {
    await page.goto(`${server.origin}/`);
    expect(await submit(page)).toBe(400);
    expect(new URL(page.url()).search).toBe('?mystring=');
    expect(await page.locator('body').textContent()).toBe('Error: this form requires a "mystring" parameter');
  });
});
