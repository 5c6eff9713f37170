/**
 * The conformance suite against the Python fixtures (test/conformance/conformance_app.py), loaded by
 * wsgi-edge/python in this process and served by the Node simple server (`makeServer`), under each
 * supported Pyodide: the default one wsgi-edge loads itself, and 314 handed over as `options.pyodide`.
 */
import { afterAll, beforeAll, describe } from 'vitest';
import { loadPythonApp } from '../../src/python/index.ts';
import { makeServer, type WsgiServer } from '../../src/wsgiref/simple-server.ts';
import { conformanceSuite } from '../conformance/cases.ts';
import { RUNTIME_REQUEST_FACTS, socketWire } from '../conformance/request-cases.ts';
import { loadPyodideOf, PYODIDE_VERSIONS } from '../helpers/pyodide-versions.ts';
import { CONFORMANCE_APP, PYTHON_PLATFORM, pythonBridgeChecks } from '../python/python-conformance.ts';

describe.each(PYODIDE_VERSIONS)('conformance: Python app on the Node simple server, Pyodide $name', (version) => {
  let server: WsgiServer;
  beforeAll(async () => {
    const pyodide = version.isDefault ? undefined : loadPyodideOf(version);
    const app = await loadPythonApp({ ...CONFORMANCE_APP, ...(pyodide && { pyodide }) });
    server = await makeServer('127.0.0.1', 0, app, { accessLog: false, errors: () => undefined });
  });
  afterAll(() => server?.close());

  const target = {
    name: `python on node, Pyodide ${version.name}`,
    baseUrl: () => `http://127.0.0.1:${server.port}`,
    remoteAddr: '127.0.0.1',
    wire: socketWire(() => `http://127.0.0.1:${server.port}`),
    platform: { ...PYTHON_PLATFORM, request: RUNTIME_REQUEST_FACTS.node },
  };
  conformanceSuite(target);
  pythonBridgeChecks(target);
});
