/**
 * The bridge's Python half (src/python/wsgi_edge_bridge.py) under CPython: test/python/test_bridge.py,
 * run once by `python3 -m unittest -v`, each of its tests reported here as its own case.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';

const TEST_MODULE = 'test/python/test_bridge.py';
/** Every `class X(unittest.TestCase)` and its `def test_*`, read from the source so none goes unseen. */
const declared: string[] = [];
{
  let testCase = '';
  for (const line of readFileSync(TEST_MODULE, 'utf8').split('\n')) {
    const found = /^class (\w+)\(unittest\.TestCase\)/.exec(line);
    if (found) testCase = found[1]!;
    const method = /^ {4}def (test_\w+)\(/.exec(line);
    if (method && testCase) declared.push(`${testCase}.${method[1]}`);
  }
}

describe('wsgi_edge_bridge.py under CPython (python3 -m unittest)', () => {
  let run: { status: number | null; output: string };
  /** `Class.test_name` → `ok`, `FAIL`, `ERROR`... as unittest's verbose lines report them. */
  const outcomes = new Map<string, string>();
  beforeAll(() => {
    const result = spawnSync('python3', ['-m', 'unittest', 'discover', '-v', '-s', 'test/python', '-p', 'test_bridge.py'], {
      encoding: 'utf8',
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
    });
    run = { status: result.status, output: `${result.stdout}${result.stderr}` };
    for (const match of run.output.matchAll(/^(test_\w+) \(test_bridge\.(\w+)\.test_\w+\)[^\n]*? \.\.\. (\w+)/gm)) {
      outcomes.set(`${match[2]}.${match[1]}`, match[3]!);
    }
  });

  it('runs every test the module declares, and all pass', () => {
    expect(declared.length).toBeGreaterThan(20);
    expect(run.output).toContain(`Ran ${declared.length} tests`);
    expect([...outcomes.keys()].sort()).toEqual([...declared].sort());
    expect(run.status, run.output).toBe(0);
  });

  it.each(declared)('%s', (name) => {
    expect(outcomes.get(name), run.output).toBe('ok');
  });
});
