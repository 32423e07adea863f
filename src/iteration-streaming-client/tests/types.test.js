// The hand-written declarations check under tsc --strict, as a TypeScript user imports them.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);

test('declarations_CompileUnderTscStrict_AndCatchMisuse', { timeout: 120_000 }, () => {
  const tsc = require.resolve('typescript/bin/tsc');
  const project = fileURLToPath(new URL('./types/tsconfig.json', import.meta.url));

  const result = spawnSync(process.execPath, [tsc, '-p', project], { encoding: 'utf8' });

  assert.equal(result.status, 0, `tsc reported:\n${result.stdout}${result.stderr}`);
});
