/**
 * The seed's `wsgi_app.py` ported to TypeScript: a front page with a form, and a page showing the
 * base64 encoding of the string typed in. Its answers are byte for byte those of the Python 3 port of
 * the same app (`urllib.parse.parse_qs`, `html.escape`, `repr`, base64 of the UTF-8 bytes); the
 * tests check that against python3 itself.
 * @module
 */

import { bytesToNative, type Environ, type StartResponse, type WsgiApp } from '../src/index.ts';

const utf8 = new TextEncoder();
/**
 * The seed sent a bare `text/html`; a browser then reads the form page as windows-1252 and submits what is
 * typed in that encoding, which this app (like Python's `parse_qs`) decodes as UTF-8. Saying the charset
 * is the one change to the seed's answers, made in the Python 3 port too.
 */
const HTML = 'text/html; charset=utf-8';

function* page(content: string): Generator<string> {
  yield '<html><head><title>wsgi_app.py</title></head><body>';
  yield content;
  yield '</body>';
}

export const base64App: WsgiApp = (environ: Environ, startResponse: StartResponse) => {
  const gohome = '<br><a href="/">Return to the home page</a>';
  const q = parseQs(environ.QUERY_STRING);
  if (environ.PATH_INFO === '/') {
    if (environ.REQUEST_METHOD !== 'GET' || environ.QUERY_STRING) {
      startResponse('400 Bad Request', [['Content-Type', 'text/plain']]);
      return ['Error: the front page is not a form'];
    }
    startResponse('200 OK', [['Content-Type', HTML]]);
    return page('Welcome! Enter a string: <form action="encode">' +
      '<input name="mystring"><input type="submit"></form>');
  } else if (environ.PATH_INFO === '/encode') {
    if (environ.REQUEST_METHOD !== 'GET') {
      startResponse('400 Bad Request', [['Content-Type', 'text/plain']]);
      return ['Error: this form does not support POST parameters'];
    }
    const my = q.get('mystring')?.[0];
    if (!my) {
      startResponse('400 Bad Request', [['Content-Type', 'text/plain']]);
      return ['Error: this form requires a "mystring" parameter'];
    }
    startResponse('200 OK', [['Content-Type', HTML]]);
    return page(`<tt>${htmlEscape(pyRepr(my))}</tt> base64 encoded is: <tt>${htmlEscape(base64(utf8.encode(my)))}</tt>` + gohome);
  } else {
    startResponse('404 Not Found', [['Content-Type', 'text/plain']]);
    return ['That URL is not valid'];
  }
};

/** `urllib.parse.parse_qs(qs)`: `&`-separated, `+` is a space, blank values dropped, UTF-8 with replacement. */
export function parseQs(query: string): Map<string, string[]> {
  const result = new Map<string, string[]>();
  for (const field of query.split('&')) {
    const eq = field.indexOf('=');
    if (eq === -1) continue;
    const value = field.slice(eq + 1);
    if (value === '') continue;
    const name = unquotePlus(field.slice(0, eq));
    const list = result.get(name) ?? [];
    list.push(unquotePlus(value));
    result.set(name, list);
  }
  return result;
}

/**
 * `urllib.parse.unquote_plus(s)` over a native string: runs of `%XX` are decoded as UTF-8 with
 * replacement; other characters are kept as they are, exactly as Python keeps them.
 */
function unquotePlus(text: string): string {
  return text.replaceAll('+', ' ').replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
    const bytes = new Uint8Array(run.length / 3);
    for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(run.slice(i * 3 + 1, i * 3 + 3), 16);
    return new TextDecoder('utf-8').decode(bytes);
  });
}

/** Python 3's `repr()` of a str. */
export function pyRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = quote;
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (char === quote || char === '\\') out += '\\' + char;
    else if (char === '\t') out += '\\t';
    else if (char === '\n') out += '\\n';
    else if (char === '\r') out += '\\r';
    else if (isPrintable(char)) out += char;
    else if (code < 0x100) out += '\\x' + code.toString(16).padStart(2, '0');
    else if (code < 0x10000) out += '\\u' + code.toString(16).padStart(4, '0');
    else out += '\\U' + code.toString(16).padStart(8, '0');
  }
  return out + quote;
}

/** `str.isprintable()` for one character: not in Other or Separator, except the ASCII space. */
function isPrintable(char: string): boolean {
  return char === ' ' || !/[\p{C}\p{Z}]/u.test(char);
}

/** `html.escape(s, quote=True)`. */
export function htmlEscape(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#x27;');
}

function base64(bytes: Uint8Array): string {
  return btoa(bytesToNative(bytes));
}
