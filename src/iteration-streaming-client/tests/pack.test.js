// The install route of the README without a registry: `npm pack` makes the tarball, `npm install <tarball>` (offline)
// puts it into a fresh project, and the project imports it by name: from Node.js, its React and Vue entry points, and
// its declarations under tsc --strict.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const packageFolder = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const timeout = 120_000;
let work;
let project;

function run(command, args, cwd) {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env, npm_config_update_notifier: 'false' } });
  assert.equal(result.status, 0, `${command} ${args.join(' ')} failed:\n${result.stdout}${result.stderr}`);
  return result.stdout;
}

before(() => {
  work = mkdtempSync(path.join(tmpdir(), 'iteration-client-pack-'));
  const [packed] = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', work], packageFolder));
  project = path.join(work, 'app');
  run('mkdir', ['-p', project], work);
  writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  run('npm', ['install', '--offline', '--no-audit', '--no-fund', path.join(work, packed.filename)], project);
}, { timeout });

after(() => rmSync(work, { recursive: true, force: true }));

test('pack_Tarball_HoldsTheModulesDeclarationsAndReadmeOnly', { timeout }, () => {
  const installed = readdirSync(path.join(project, 'node_modules', 'iteration-streaming-client')).sort();

  assert.deepEqual(installed, [
    'README.md', 'api.js', 'hook-state.js', 'index.d.ts', 'index.js', 'list.js', 'package.json', 'progress.js', 'react.d.ts', 'react.js',
    'vue.d.ts', 'vue.js', 'watch.js',
  ]);
});

test('install_FromTheTarball_ImportsByNameFromNode', { timeout }, () => {
  const script = `
    const client = await import('iteration-streaming-client');
    const api = client.createGenerationsClient({ baseUrl: 'http://127.0.0.1:1' });
    console.log(JSON.stringify({
      functions: ['watchGeneration', 'createGenerationsClient', 'initialProgress', 'applyEvent'].filter((n) => typeof client[n] === 'function'),
      error: new client.GenerationApiError(404, { detail: 'x' }).status,
      react: import.meta.resolve('iteration-streaming-client/react').endsWith('/node_modules/iteration-streaming-client/react.js'),
      vue: import.meta.resolve('iteration-streaming-client/vue').endsWith('/node_modules/iteration-streaming-client/vue.js'),
      start: typeof api.start,
    }));`;

  const output = JSON.parse(run(process.execPath, ['--input-type=module', '-e', script], project));

  assert.deepEqual(output, {
    functions: ['watchGeneration', 'createGenerationsClient', 'initialProgress', 'applyEvent'], error: 404, react: true, vue: true, start: 'function',
  });
});

test('install_FromTheTarball_DeclarationsResolveByNameUnderTscStrict', { timeout }, () => {
  writeFileSync(path.join(project, 'app.ts'), `
    import { createGenerationsClient, type ProgressState } from 'iteration-streaming-client';
    import type { useIterationProgress as React } from 'iteration-streaming-client/react';
    import type { useIterationProgress as Vue } from 'iteration-streaming-client/vue';
    const api = createGenerationsClient({ baseUrl: 'http://127.0.0.1:5000' });
    export const start: Promise<string> = api.start({ prompt: 'x' }).then((s) => s.generation_id);
    export type Hooks = [typeof React, typeof Vue, ProgressState];
  `);
  writeFileSync(path.join(project, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { strict: true, noEmit: true, target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', lib: ['ES2022', 'DOM'], types: [] },
    files: ['app.ts'],
  }));

  run(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', project], project);
});
