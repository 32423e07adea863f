// diff, fork and revert as a server receives them (a recording fetch): the route and query, which token goes where (the
// read token of the other generation in the query; every other token only in the Authorization header), the body in
// snake_case, the answers, the refusals, and the misuses that throw before any request.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BudgetExceededError, BUDGET_EXCEEDED_TYPE, createGenerationsClient, GenerationApiError } from '../index.js';
import { fakeFetch } from './support/fake-event-source.js';

const base = 'http://127.0.0.1:5000';
const started = { generation_id: 'g-2', sse_token: 'r2', control_token: 'c2', stream_url: '/generations/g-2/stream', status_url: '/generations/g-2' };
const diffAnswer = {
  generation_id: 'g-1', against: 'g-0', against_generation_id: 'g-0',
  files: [{ path: 'a.cs', change: 'modified', added_lines: 1, deleted_lines: 1, diff: 'diff --git a/a.cs b/a.cs\n' }],
  summary: { added: 0, modified: 1, deleted: 0, unchanged: 0, added_lines: 1, deleted_lines: 1 },
  truncated: false,
  limits: { max_files: 1000, max_file_bytes: 1048576, max_total_bytes: 16777216 },
};

const recorded = (status = 202, body = started) => {
  const server = fakeFetch(status, body);
  return { server, api: createGenerationsClient({ baseUrl: base, fetch: server.fetch }) };
};

/** A fetch answering with text of a content type, recording the requests. */
function textFetch(text, contentType) {
  const requests = [];
  const fetch = async (url, init) => {
    requests.push({ url, init });
    return new Response(text, { status: 200, headers: { 'Content-Type': contentType } });
  };
  return { fetch, requests };
}

const malformedReferences = ['', ' ', 'phase:', 'phase:x', 'phase:01', 'phase:-1', 'phase:12345', 'Phase:1', '../g', 'a/b', 'g 1', 'ü', 'a'.repeat(129), 7, null, undefined];

test('diff_AgainstAnotherGeneration_SendsTheReadTokenInTheHeaderAndTheOthersInTheQuery', async () => {
  const { server, api } = recorded(200, diffAnswer);

  const diff = await api.diff('g/1', { against: 'g-0', token: 'read-1', againstToken: 'read 0' });

  assert.deepEqual(diff, diffAnswer);
  const [{ url, init }] = server.requests;
  assert.equal(url, `${base}/generations/g%2F1/diff?against=g-0&against_token=read%200`);
  assert.deepEqual(init.headers, { Authorization: 'Bearer read-1' });
  assert.equal(init.method, undefined, 'a GET');
  assert.equal(init.cache, 'no-store');
});

test('diff_AgainstAPhaseByOwnership_SendsNoTokenAtAll', async () => {
  const { server, api } = recorded(200, diffAnswer);

  await api.diff('g-1', { against: 'phase:0', token: null });

  assert.equal(server.requests[0].url, `${base}/generations/g-1/diff?against=phase%3A0`);
  assert.deepEqual(server.requests[0].init.headers, {});
  assert.equal(server.requests[0].init.credentials, 'same-origin');
});

test('diff_Patch_AsksForTextXDiffAndResolvesWithTheText', async () => {
  const patch = 'diff --git a/ü.cs b/ü.cs\nnew file mode 100644\n--- /dev/null\n+++ b/ü.cs\n@@ -0,0 +1 @@\n+x\n';
  const server = textFetch(patch, 'text/x-diff; charset=utf-8');
  const api = createGenerationsClient({ baseUrl: base, fetch: server.fetch });

  const text = await api.diff('g-1', { against: 'phase:1', token: 'read', patch: true });

  assert.equal(text, patch);
  assert.deepEqual(server.requests[0].init.headers, { Authorization: 'Bearer read', Accept: 'text/x-diff' });
});

test('diff_PatchButTheServerAnswersJson_RejectsNamingTheMediaType', async () => {
  const { api } = recorded(200, diffAnswer);

  const error = await api.diff('g-1', { against: 'phase:1', token: 'read', patch: true }).catch((e) => e);

  assert.ok(error instanceof GenerationApiError);
  assert.match(error.message, /application\/json.*text\/x-diff/);
});

test('diff_Refused_RejectsWithTheStatusAndTheDetailNamingTheGeneration', async () => {
  const { api } = recorded(403, { status: 403, detail: "against generation 'g-0': the token is for another generation." });

  const error = await api.diff('g-1', { against: 'g-0', token: 'read', againstToken: 'wrong' }).catch((e) => e);

  assert.ok(error instanceof GenerationApiError);
  assert.equal(error.status, 403);
  assert.equal(error.message, "against generation 'g-0': the token is for another generation.");
});

for (const status of [400, 401, 404, 409, 413, 415, 429]) {
  test(`diffForkRevert_Refused${status}_RejectWithTheStatusAndProblem`, async () => {
    const { api } = recorded(status, { status, detail: `refused with ${status}` });

    const errors = await Promise.all([
      api.diff('g-1', { against: 'phase:1', token: 'read' }).catch((e) => e),
      api.fork('g-1', { fromPhase: 1, token: 'control' }).catch((e) => e),
      api.revert('g-1', { paths: ['a.cs'], to: 'phase:0', token: 'control' }).catch((e) => e),
    ]);

    for (const error of errors) {
      assert.ok(error instanceof GenerationApiError);
      assert.equal(error.status, status);
      assert.equal(error.problem.detail, `refused with ${status}`);
    }
  });
}

test('diff_Unreachable_RejectsWithStatusZero', async () => {
  const api = createGenerationsClient({ baseUrl: base, fetch: async () => { throw new TypeError('Failed to fetch'); } });

  const error = await api.diff('g-1', { against: 'phase:1', token: 'read' }).catch((e) => e);

  assert.equal(error.status, 0);
  assert.match(error.message, /127\.0\.0\.1:5000/);
});

test('diff_MalformedAgainst_ThrowsAtOnceNamingIt', () => {
  const { server, api } = recorded(200, diffAnswer);

  for (const against of malformedReferences) {
    assert.throws(() => api.diff('g-1', { against, token: 'read' }), /^(TypeError|RangeError): against /, String(against));
  }
  assert.equal(server.requests.length, 0);
});

test('diff_TokenMissingOrAgainstTokenMisused_ThrowsAtOnce', () => {
  const { server, api } = recorded(200, diffAnswer);

  assert.throws(() => api.diff('g-1', { against: 'g-0' }), /A token is required/);
  assert.throws(() => api.diff('g-1', { against: 'g-0', token: '' }), /A token is required/);
  assert.throws(() => api.diff('g-1', { against: 'g-0', token: 'read', againstToken: '' }), /againstToken/);
  assert.throws(() => api.diff('g-1', { against: 'phase:2', token: 'read', againstToken: 'other' }), /againstToken is for another generation/);
  assert.throws(() => api.diff('', { against: 'phase:2', token: 'read' }), /generation id is required/);
  assert.throws(() => api.diff('g-1'), /against is required/);
  assert.equal(server.requests.length, 0);
});

test('fork_EveryField_PostsThemInSnakeCaseWithTheControlTokenOnlyInTheHeader', async () => {
  const forked = { ...started, forked_from: 'g-1', from_phase: 2 };
  const { server, api } = recorded(202, forked);

  const answer = await api.fork('g-1', { fromPhase: 2, modificationPrompt: 'Use PostgreSQL', review: { plan: true }, budget: { max_total_tokens: 9000 }, token: 'control-secret' });

  assert.deepEqual(answer, forked);
  const [{ url, init }] = server.requests;
  assert.equal(url, `${base}/generations/g-1/fork`);
  assert.equal(init.method, 'POST');
  assert.deepEqual(init.headers, { 'Content-Type': 'application/json', Authorization: 'Bearer control-secret' });
  assert.deepEqual(JSON.parse(init.body), { from_phase: 2, modification_prompt: 'Use PostgreSQL', review: { plan: true }, budget: { max_total_tokens: 9000 } });
  assert.ok(!url.includes('control-secret'));
});

test('fork_OnlyThePhaseByOwnership_SendsOnlyFromPhaseAndNoToken', async () => {
  const { server, api } = recorded();

  await api.fork('g-1', { fromPhase: 1, token: null });

  assert.deepEqual(JSON.parse(server.requests[0].init.body), { from_phase: 1 });
  assert.deepEqual(server.requests[0].init.headers, { 'Content-Type': 'application/json' });
});

test('fork_BudgetRefusal_RejectsWithABudgetExceededError', async () => {
  const { api } = recorded(429, { type: BUDGET_EXCEEDED_TYPE, status: 429, detail: 'No tokens left today.', limit: 'owner_tokens_per_day', allowed: 10, used: 10 });

  const error = await api.fork('g-1', { fromPhase: 1, token: 'c' }).catch((e) => e);

  assert.ok(error instanceof BudgetExceededError);
  assert.equal(error.limit, 'owner_tokens_per_day');
});

test('fork_Misuse_ThrowsAtOnceNamingTheField', () => {
  const { server, api } = recorded();

  for (const fromPhase of [0, -1, 1.5, '2', null, undefined, Number.NaN, 2 ** 53]) {
    assert.throws(() => api.fork('g-1', { fromPhase, token: 'c' }), /^RangeError: fromPhase /, String(fromPhase));
  }
  assert.throws(() => api.fork('g-1', { fromPhase: 1, modificationPrompt: ' ', token: 'c' }), /modificationPrompt/);
  assert.throws(() => api.fork('g-1', { fromPhase: 1, modificationPrompt: 5, token: 'c' }), /modificationPrompt/);
  assert.throws(() => api.fork('g-1', { fromPhase: 1, budget: { max_output_tokens: 0 }, token: 'c' }), /budget\.max_output_tokens/);
  assert.throws(() => api.fork('g-1', { fromPhase: 1 }), /A token is required/);
  assert.throws(() => api.fork('g-1'), /fromPhase/);
  assert.equal(server.requests.length, 0);
});

test('revert_PathsAndTo_PostsThemWithTheControlToken', async () => {
  const { server, api } = recorded();

  const answer = await api.revert('g-1', { paths: ['src/App.cs', 'src/ü b.cs'], to: 'g-0', token: 'control' });

  assert.deepEqual(answer, started);
  const [{ url, init }] = server.requests;
  assert.equal(url, `${base}/generations/g-1/revert`);
  assert.equal(init.headers.Authorization, 'Bearer control');
  assert.deepEqual(JSON.parse(init.body), { paths: ['src/App.cs', 'src/ü b.cs'], to: 'g-0' });
});

test('revert_MalformedPaths_ThrowAtOnceNamingTheEntry', () => {
  const { server, api } = recorded();
  const revert = (paths) => () => api.revert('g-1', { paths, to: 'phase:0', token: 'c' });

  assert.throws(revert(undefined), /paths must be a non-empty array/);
  assert.throws(revert([]), /paths must be a non-empty array/);
  assert.throws(revert('a.cs'), /paths must be a non-empty array/);
  for (const bad of ['', ' ', null, 3]) assert.throws(revert(['a.cs', bad]), /^TypeError: paths\[1\] must be a file path/);
  for (const bad of ['/etc/passwd', 'a//b', './a', '../a', 'a/..', 'a/']) assert.throws(revert(['a.cs', bad]), /^RangeError: paths\[1\] .* must be relative/, bad);
  assert.throws(revert(['a.cs', 'b.cs', 'c.cs', 'b.cs']), /paths\[3\] repeats paths\[1\] \('b\.cs'\)/);
  assert.throws(revert([`../${'x'.repeat(10_000)}`]), (e) => e.message.length < 300);
  for (const to of malformedReferences) {
    assert.throws(() => api.revert('g-1', { paths: ['a.cs'], to, token: 'c' }), /^(TypeError|RangeError): to /, String(to));
  }
  assert.equal(server.requests.length, 0);
});
