// Generates a TypeScript client from a running host's OpenAPI document with @hey-api/openapi-ts, compiles it with tsc,
// and drives one generation through it: start, the SSE stream read to its end, one file whose path holds '/', cancel.
// Usage: NODE_PATH=<node_modules> node generated-client.cjs <base URL> <work folder> <file path>
// Prints one JSON line with what it saw; exits 1 on any failure.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const [baseUrl, work, filePath] = process.argv.slice(2);
const modules = process.env.NODE_PATH;

async function main() {
  const document = await fetch(new URL('openapi/v1.json', baseUrl));
  if (!document.ok) throw new Error(`GET openapi/v1.json answered ${document.status}`);
  const spec = path.join(work, 'openapi.json');
  fs.writeFileSync(spec, await document.text());

  const { createClient: generate } = require('@hey-api/openapi-ts');
  const generated = path.join(work, 'generated');
  await generate({
    input: spec,
    output: generated,
    plugins: ['@hey-api/client-fetch', '@hey-api/typescript', '@hey-api/sdk'],
    logs: { level: 'silent' },
  });
  execFileSync(process.execPath, [
    path.join(modules, 'typescript', 'bin', 'tsc'),
    '--strict', '--module', 'commonjs', '--moduleResolution', 'node', '--target', 'es2022', '--lib', 'es2022,dom',
    '--skipLibCheck', '--outDir', path.join(work, 'js'), path.join(generated, 'index.ts'), path.join(generated, 'client', 'index.ts'),
  ], { stdio: 'inherit' });

  const sdk = require(path.join(work, 'js', 'index.js'));
  const { createClient } = require(path.join(work, 'js', 'client', 'index.js'));
  const client = createClient({ baseUrl: baseUrl.replace(/\/$/, '') });
  const seen = {};

  const start = await sdk.startGeneration({
    client,
    body: { prompt: 'Build a notes app', entities: ['Note'] },
    headers: { 'Idempotency-Key': 'generated-client-' + Date.now() },
  });
  seen.startStatus = start.response.status;
  const started = start.data;
  seen.generationId = started.generation_id;

  // The tokens go only where the document's security says: each call names its token, the client puts it in Authorization.
  const { stream } = await sdk.streamGeneration({
    client,
    path: { id: started.generation_id },
    auth: started.sse_token,
    sseMaxRetryAttempts: 1,
  });
  seen.events = [];
  for await (const event of stream) {
    seen.events.push({ stage: event.stage, status: event.status });
    if (event.stage === 'phase_1_complete') {
      const file = await sdk.getGenerationFile({
        client,
        path: { id: started.generation_id, path: filePath },
        auth: started.sse_token,
        parseAs: 'text',
      });
      seen.fileStatus = file.response.status;
      seen.fileUrl = new URL(file.response.url).pathname;
      seen.fileContent = file.data;
      const cancel = await sdk.cancelGeneration({ client, path: { id: started.generation_id }, auth: started.control_token });
      seen.cancelStatus = cancel.response.status;
      seen.cancelAnswer = cancel.data;
    }
  }

  const unauthorized = await sdk.getGeneration({ client, path: { id: started.generation_id } });
  seen.withoutTokenStatus = unauthorized.response.status;
  seen.withoutTokenProblem = unauthorized.error;
  process.stdout.write(JSON.stringify(seen) + '\n');
}

main().catch((error) => {
  process.stderr.write(String(error && error.stack ? error.stack : error) + '\n');
  process.exit(1);
});
