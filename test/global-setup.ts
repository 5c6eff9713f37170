import { execFileSync } from 'node:child_process';

/** Runtime tests load the built package (dist/), as users and other runtimes do: build it once. */
export default function setup(): void {
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
  execFileSync(process.execPath, ['scripts/finish-dist.mjs', 'dist'], { stdio: 'inherit' });
}
