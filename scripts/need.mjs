#!/usr/bin/env node
/**
 * `node scripts/need.mjs TOOL...`: stops at once, with one line naming the Debian package, when a tool an
 * optional suite needs is missing. What `npm ci && npm test` needs never goes through here.
 */

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const onPath = (command) => () => spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
// Debian's python3-* packages are for Debian's interpreter: a python3 earlier on PATH (pyenv, a venv) does not see them.
const DEBIAN_PYTHON = '/usr/bin/python3';
const pythonImports = (module) => () => spawnSync(DEBIAN_PYTHON, ['-c', `import ${module}`], { stdio: 'ignore' }).status === 0;

/** Each tool: how to tell it is there, and the package that brings it. */
const TOOLS = {
  wrk: { present: onPath('wrk'), pkg: 'wrk' },
  curl: { present: onPath('curl'), pkg: 'curl' },
  taskset: { present: onPath('taskset'), pkg: 'util-linux' },
  chromium: { present: () => existsSync('/usr/bin/chromium'), pkg: 'chromium' },
  flask: { present: pythonImports('flask'), pkg: 'python3-flask' },
  bottle: { present: pythonImports('bottle'), pkg: 'python3-bottle' },
  django: { present: pythonImports('django'), pkg: 'python3-django' },
  gunicorn: { present: onPath('gunicorn') , pkg: 'gunicorn' },
  waitress: { present: pythonImports('waitress'), pkg: 'python3-waitress' },
};

const wanted = process.argv.slice(2);
const missing = wanted.filter((name) => {
  const tool = TOOLS[name];
  if (!tool) {
    console.error(`scripts/need.mjs: no such tool in its table: ${name}`);
    process.exit(2);
  }
  return !tool.present();
});
if (missing.length > 0) {
  const packages = [...new Set(missing.map((name) => TOOLS[name].pkg))];
  console.error(`wsgi-edge: this needs ${missing.join(', ')}, which this machine lacks: apt-get install ${packages.join(' ')}`);
  process.exit(1);
}
