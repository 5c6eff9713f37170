#!/usr/bin/env node
/**
 * Builds aws-lambda-ric's native client (rapid-client.node) with CMake and node-gyp, the tools a fresh
 * machine of ours has. The package's own install scripts are turned off (allowScripts in package.json):
 * they build its bundled curl with autotools, which such a machine lacks. Same sources, same features:
 * the curl and aws-lambda-cpp tarballs inside the package (already patched by its maintainers), curl
 * cut down to plain HTTP as the package's configure line has it, everything linked statically.
 *
 * Runs from the tests' global setup and the benchmarks (never for a consumer of the
 * package) and does nothing when the client for this Node ABI is already built.
 */

import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';

const require = createRequire(import.meta.url);
let ricDir;
try {
  ricDir = path.dirname(require.resolve('aws-lambda-ric/package.json'));
} catch {
  process.exit(0); // not installed (npm ci --omit=dev): nothing to build
}
const ricVersion = JSON.parse(readFileSync(path.join(ricDir, 'package.json'), 'utf8')).version;
const target = path.join(ricDir, 'dist', 'rapid-client.node');
const stampFile = path.join(ricDir, 'dist', 'rapid-client.stamp');
const stamp = `aws-lambda-ric ${ricVersion}, node ABI ${process.versions.modules}, ${process.platform}-${process.arch}\n`;
if (existsSync(target) && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) process.exit(0);

if (spawnSync('cmake', ['--version'], { stdio: 'ignore' }).status !== 0) {
  console.error('wsgi-edge: building the Lambda runtime client for the tests needs cmake (apt-get install cmake)');
  process.exit(1);
}

const versions = Object.fromEntries(
  readFileSync(path.join(ricDir, 'deps', 'versions'), 'utf8').split('\n').filter(Boolean).map((line) => line.split('=')),
);
const work = mkdtempSync(path.join(tmpdir(), 'wsgi-edge-ric-'));
const artifacts = path.join(ricDir, 'deps', 'artifacts');
const jobs = String(availableParallelism());
const started = Date.now();

function run(command, args, cwd = work) {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (result.status !== 0) {
    console.error(`wsgi-edge: building the Lambda runtime client failed at: ${command} ${args.join(' ')}`);
    console.error((result.stdout + result.stderr).split('\n').slice(-30).join('\n'));
    process.exit(1);
  }
}

function cmakeBuild(source, build, options) {
  run('cmake', ['-S', source, '-B', build, '-DCMAKE_BUILD_TYPE=Release', `-DCMAKE_INSTALL_PREFIX=${artifacts}`,
    '-DCMAKE_INSTALL_LIBDIR=lib', '-DCMAKE_POSITION_INDEPENDENT_CODE=ON', ...options]);
  run('cmake', ['--build', build, '--parallel', jobs]);
  run('cmake', ['--install', build]);
}

try {
  console.error(`wsgi-edge: building aws-lambda-ric ${ricVersion}'s native client (curl ${versions.CURL_VERSION}, aws-lambda-cpp ${versions.AWS_LAMBDA_CPP_RELEASE}) with CMake`);
  run('tar', ['xzf', path.join(ricDir, 'deps', `curl-${versions.CURL_VERSION}.tar.gz`), '--no-same-owner']);
  run('tar', ['xzf', path.join(ricDir, 'deps', `aws-lambda-cpp-${versions.AWS_LAMBDA_CPP_RELEASE}.tar.gz`), '--no-same-owner']);
  rmSync(artifacts, { recursive: true, force: true });

  // The package's configure line, in curl's CMake terms: HTTP only, no TLS, no IPv6, no threads, static.
  const off = ['BUILD_SHARED_LIBS', 'BUILD_CURL_EXE', 'BUILD_TESTING', 'CURL_ENABLE_SSL', 'ENABLE_IPV6',
    'ENABLE_THREADED_RESOLVER', 'ENABLE_UNIX_SOCKETS', 'USE_LIBIDN2', 'CURL_USE_LIBSSH2', 'CURL_USE_LIBPSL', 'CURL_ZLIB',
    'CURL_BROTLI', 'CURL_ZSTD', 'CURL_USE_GSSAPI'];
  const disabled = ['COOKIES', 'CRYPTO_AUTH', 'PROXY', 'ALTSVC', 'HSTS', 'DOH', 'MIME', 'NETRC', 'HTTP_AUTH',
    'PROGRESS_METER', 'SOCKETPAIR', 'VERBOSE_STRINGS', 'PARSEDATE', 'GETOPTIONS', 'LIBCURL_OPTION', 'SHUFFLE_DNS', 'NTLM'];
  cmakeBuild(path.join(work, `curl-curl-${versions.CURL_VERSION}`), path.join(work, 'curl-build'), [
    '-DHTTP_ONLY=ON', '-DCURL_CA_BUNDLE=none', '-DCURL_CA_PATH=none',
    ...off.map((name) => `-D${name}=OFF`), ...disabled.map((name) => `-DCURL_DISABLE_${name}=ON`),
  ]);
  cmakeBuild(path.join(work, `aws-lambda-cpp-${versions.AWS_LAMBDA_CPP_RELEASE}`), path.join(work, 'cpp-build'), [
    `-DCMAKE_PREFIX_PATH=${artifacts}`, '-DENABLE_TESTS=OFF',
  ]);

  // binding.gyp links deps/artifacts (and asks its curl-config for the static libraries).
  const nodeGyp = require.resolve('node-gyp/bin/node-gyp.js', { paths: [ricDir] });
  const gypArgs = [nodeGyp, 'rebuild', `--jobs=${jobs}`];
  // Node's headers come with Node itself here; never let node-gyp go looking for them on the network.
  if (!process.env.npm_config_nodedir && existsSync('/usr/include/node/node.h')) gypArgs.push('--nodedir=/usr');
  run(process.execPath, gypArgs, ricDir);
  mkdirSync(path.dirname(target), { recursive: true });
  copyFileSync(path.join(ricDir, 'build', 'Release', 'rapid-client.node'), target);
  writeFileSync(stampFile, stamp);
  console.error(`wsgi-edge: aws-lambda-ric's native client built in ${((Date.now() - started) / 1000).toFixed(0)} s`);
} finally {
  rmSync(work, { recursive: true, force: true });
  rmSync(artifacts, { recursive: true, force: true });
  rmSync(path.join(ricDir, 'build'), { recursive: true, force: true });
}
