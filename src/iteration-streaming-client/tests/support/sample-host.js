// Starts the real sample host (samples/Iteration.Streaming.Sample.Web) on a free loopback port, with its data in a
// temporary folder, and stops it. The built DLL is used as it is; when it is missing (a fresh clone) it is built once.
// ITERATION_SAMPLE_DLL points at another build; ITERATION_SAMPLE_BUILD=1 builds before the tests even when the DLL exists.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repository = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const project = path.join(repository, 'samples', 'Iteration.Streaming.Sample.Web');
const defaultDll = path.join(project, 'bin', 'Debug', 'net10.0', 'Iteration.Streaming.Sample.Web.dll');
const environment = { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1', DOTNET_NOLOGO: '1' };
// Every host started and not yet exited: a set-up hook that times out never gets the handles it was waiting for, so
// stopAllSampleHosts() (in each file's after hook) stops them, or the test run would hang on their pipes.
const running = new Set();

function sampleDll() {
  const dll = process.env.ITERATION_SAMPLE_DLL || defaultDll;
  if (process.env.ITERATION_SAMPLE_DLL && !existsSync(dll)) {
    throw new Error(`ITERATION_SAMPLE_DLL points at ${dll}, which does not exist.`);
  }
  if (!existsSync(dll) || process.env.ITERATION_SAMPLE_BUILD === '1') {
    const build = spawnSync('dotnet', ['build', project, '-nologo', '-v', 'q'], { stdio: 'inherit', env: environment });
    if (build.status !== 0) throw new Error(`Building the sample host failed (dotnet build ${project}).`);
  }
  return dll;
}

/**
 * Starts the sample host. Resolves with `{ baseUrl, stop() }` once it listens.
 * @param {string[]} settings More configuration as `--Key=Value` arguments.
 */
export async function startSampleHost(settings = []) {
  const dll = sampleDll();
  const data = mkdtempSync(path.join(tmpdir(), 'iteration-client-test-'));
  const child = spawn('dotnet', [
    dll,
    '--urls=http://127.0.0.1:0',
    `--IterationStreaming:FileSinkRoot=${path.join(data, 'generations')}`,
    `--Sample:SigningKeyFile=${path.join(data, 'signing-key')}`,
    '--Demo:FileDelay=00:00:00.005',
    '--IterationStreaming:RetryInterval=00:00:00.100',
    `--Sample:Database=${path.join(data, 'iteration-streaming.db')}`,
    '--Sample:StartsPerMinute=100000',
    '--Logging:Console:FormatterName=simple',
    ...settings,
  ], { cwd: data, env: { ...environment, ASPNETCORE_ENVIRONMENT: 'Production' }, stdio: ['ignore', 'pipe', 'pipe'] });

  running.add(child);
  let output = '';
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.once('exit', () => running.delete(child));
  const baseUrl = await new Promise((resolve, reject) => {
    // Both pipes are drained for the host's whole life (the last 20,000 characters kept), so it never blocks on output.
    const append = (chunk) => {
      output = (output + chunk).slice(-20000);
      const match = /(?:Now listening on:|open) (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match) resolve(match[1]);
    };
    child.stdout.setEncoding('utf8').on('data', append);
    child.stderr.setEncoding('utf8').on('data', append);
    child.once('exit', (code) => reject(new Error(`The sample host exited (${code}) before listening:\n${output}`)));
    child.once('error', reject);
  });

  return {
    baseUrl,
    output: () => output,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(data, { recursive: true, force: true });
    },
  };
}

/** Stops every sample host still running, whether or not its start was awaited (a timed-out set-up hook). */
export async function stopAllSampleHosts() {
  await Promise.all([...running].map((child) => new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve();
      return;
    }
    child.once('exit', resolve);
    child.kill('SIGTERM');
  })));
}
