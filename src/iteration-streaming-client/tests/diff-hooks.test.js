// useDiff (React and Vue) and the fork and revert the progress hooks expose, with the tiny fakes of React and Vue and a
// recording fetch.
import assert from 'node:assert/strict';
import { register } from 'node:module';
import { beforeEach, test } from 'node:test';
import { FakeEventSource, fakeFetch } from './support/fake-event-source.js';

register('./support/fake-modules.js', import.meta.url);
const { renderHook } = await import('react');
const { mount } = await import('vue');
const react = await import('../react.js');
const vue = await import('../vue.js');
const { GenerationApiError } = await import('../index.js');

const base = 'http://127.0.0.1:5000';
const url = '/generations/g-1/stream';
const diffOf = (id) => ({ generation_id: id, against: 'phase:0', against_generation_id: id, files: [], summary: {}, truncated: false, limits: {} });
const started = { generation_id: 'g-2', sse_token: 'r', control_token: 'c', stream_url: '/generations/g-2/stream', status_url: '/generations/g-2' };

/** A diff client whose answers the test resolves by hand, in any order. */
function heldClient() {
  const calls = [];
  const client = {
    diff: (id, query) => new Promise((resolve, reject) => { calls.push({ id, query, resolve, reject }); }),
  };
  return { client, calls };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

beforeEach(() => { FakeEventSource.instances.length = 0; });

test('reactUseDiff_OnMount_LoadsTheDiffWithTheTokens', async () => {
  const server = fakeFetch(200, diffOf('g-1'));
  const hook = renderHook(react.useDiff, 'g-1', 'g-0', { token: 'read', againstToken: 'other', baseUrl: base, fetch: server.fetch });
  assert.equal(hook.result.current.loading, true);

  await settle();

  assert.deepEqual(hook.result.current.diff, diffOf('g-1'));
  assert.equal(hook.result.current.loading, false);
  assert.equal(hook.result.current.error, null);
  assert.equal(server.requests[0].url, `${base}/generations/g-1/diff?against=g-0&against_token=other`);
  assert.equal(server.requests[0].init.headers.Authorization, 'Bearer read');
});

test('reactUseDiff_WithoutAnIdAgainstOrToken_LoadsNothing', () => {
  const { client, calls } = heldClient();

  for (const [id, against, token] of [[null, 'phase:0', 'read'], ['g-1', '', 'read'], ['g-1', 'phase:0', undefined], ['g-1', 'phase:0', '']]) {
    const hook = renderHook(react.useDiff, id, against, { token, client });
    assert.deepEqual({ ...hook.result.current, reload: undefined }, { diff: null, loading: false, error: null, reload: undefined });
  }
  assert.equal(calls.length, 0);
});

test('reactUseDiff_NewAgainst_DropsTheOlderAnswerThatArrivesLate', async () => {
  const { client, calls } = heldClient();
  const hook = renderHook(react.useDiff, 'g-1', 'phase:1', { token: 'read', client });

  hook.rerender('g-1', 'phase:2', { token: 'read', client });
  calls[1].resolve(diffOf('second'));
  await settle();
  calls[0].resolve(diffOf('first'));
  await settle();

  assert.deepEqual(calls.map((c) => c.query.against), ['phase:1', 'phase:2']);
  assert.equal(hook.result.current.diff.generation_id, 'second');
});

test('reactUseDiff_SameDiffOnRerender_DoesNotLoadAgain', () => {
  const { client, calls } = heldClient();
  const hook = renderHook(react.useDiff, 'g-1', 'phase:1', { token: 'read', client });

  hook.rerender('g-1', 'phase:1', { token: 'read', client });

  assert.equal(calls.length, 1);
});

test('reactUseDiff_Refused_ShowsTheErrorAndKeepsNoDiff', async () => {
  const server = fakeFetch(403, { status: 403, detail: "against generation 'g-0': not yours." });
  const hook = renderHook(react.useDiff, 'g-1', 'g-0', { token: 'read', baseUrl: base, fetch: server.fetch });

  await settle();

  assert.ok(hook.result.current.error instanceof GenerationApiError);
  assert.equal(hook.result.current.error.status, 403);
  assert.equal(hook.result.current.diff, null);
  assert.equal(hook.result.current.loading, false);
});

test('reactUseDiff_MalformedAgainst_ShowsTheMisuseAsTheError', async () => {
  const server = fakeFetch(200, {});
  const hook = renderHook(react.useDiff, 'g-1', 'phase:01', { token: 'read', baseUrl: base, fetch: server.fetch });

  await settle();

  assert.match(String(hook.result.current.error), /against must be a generation id or 'phase:\{k\}'/);
  assert.equal(server.requests.length, 0);
});

test('reactUseDiff_Reload_AsksAgainAndShowsTheNewAnswer', async () => {
  const { client, calls } = heldClient();
  const hook = renderHook(react.useDiff, 'g-1', 'phase:0', { token: 'read', client, patch: true });
  calls[0].resolve('old patch');
  await settle();

  const reloading = hook.result.current.reload();
  assert.equal(hook.result.current.loading, true);
  assert.equal(hook.result.current.diff, 'old patch', 'the last diff stays while the next loads');
  calls[1].resolve('new patch');
  await reloading;

  assert.equal(calls[1].query.patch, true);
  assert.equal(hook.result.current.diff, 'new patch');
});

test('reactUseDiff_AnswerAfterUnmount_IsDropped', async () => {
  const { client, calls } = heldClient();
  const hook = renderHook(react.useDiff, 'g-1', 'phase:0', { token: 'read', client });
  const before = hook.renders;

  hook.unmount();
  calls[0].resolve(diffOf('g-1'));
  await settle();

  assert.equal(hook.renders, before);
});

test('reactUseIterationProgress_ForkAndRevert_PostToTheWatchedGenerationWithTheControlToken', async () => {
  const server = fakeFetch(202, started);
  const hook = renderHook(react.useIterationProgress, url, 'read', { EventSource: FakeEventSource, fetch: server.fetch, controlToken: 'control' });

  const forked = await hook.result.current.fork({ fromPhase: 2, modificationPrompt: 'Use PostgreSQL' });
  await hook.result.current.revert({ paths: ['a.cs'], to: 'phase:1' }, { controlToken: 'other' });

  assert.deepEqual(forked, started);
  const [fork, revert] = server.requests;
  assert.equal(fork.url, '/generations/g-1/fork');
  assert.equal(fork.init.headers.Authorization, 'Bearer control');
  assert.deepEqual(JSON.parse(fork.init.body), { from_phase: 2, modification_prompt: 'Use PostgreSQL' });
  assert.equal(revert.url, '/generations/g-1/revert');
  assert.equal(revert.init.headers.Authorization, 'Bearer other');
  assert.deepEqual(JSON.parse(revert.init.body), { paths: ['a.cs'], to: 'phase:1' });
});

test('reactUseIterationProgress_ForkMisusedOrWithoutAStream_ThrowsBeforeAnyRequest', () => {
  const server = fakeFetch(202, started);
  const watched = renderHook(react.useIterationProgress, url, 'read', { EventSource: FakeEventSource, fetch: server.fetch, controlToken: 'c' });
  const idle = renderHook(react.useIterationProgress, null, null, { fetch: server.fetch, controlToken: 'c' });

  assert.throws(() => watched.result.current.fork({ fromPhase: 0 }), /fromPhase/);
  assert.throws(() => watched.result.current.fork(), /fromPhase/);
  assert.throws(() => watched.result.current.revert({ paths: [], to: 'phase:0' }), /paths/);
  assert.throws(() => idle.result.current.fork({ fromPhase: 1 }), /fork: no generation is watched/);
  assert.throws(() => idle.result.current.revert({ paths: ['a.cs'], to: 'phase:0' }), /revert: no generation is watched/);
  assert.equal(server.requests.filter((r) => r.init?.method === 'POST').length, 0);
});

test('vueUseDiff_OnMount_LoadsTheDiffIntoReadOnlyRefs', async () => {
  const server = fakeFetch(200, diffOf('g-1'));
  let loadsBeforeMount;
  const { result } = mount(() => {
    const refs = vue.useDiff('g-1', 'phase:0', { token: null, baseUrl: base, fetch: server.fetch });
    loadsBeforeMount = server.requests.length;
    return refs;
  });

  await settle();

  assert.equal(loadsBeforeMount, 0, 'it loads on mount');
  assert.deepEqual(result.diff.value, diffOf('g-1'));
  assert.equal(result.loading.value, false);
  assert.deepEqual(server.requests[0].init.headers, {}, 'null: by ownership');
  assert.throws(() => { result.diff.value = null; }, TypeError);
});

test('vueUseDiff_Refused_ShowsTheError', async () => {
  const server = fakeFetch(400, { status: 400, detail: "'against' names phase 9; saved phases: 0–4." });
  const { result } = mount(() => vue.useDiff('g-1', 'phase:9', { token: 'read', baseUrl: base, fetch: server.fetch }));

  await settle();

  assert.equal(result.error.value.status, 400);
  assert.equal(result.diff.value, null);
});

test('vueUseDiff_ReloadAndUnmount_AsksAgainThenDropsLateAnswers', async () => {
  const { client, calls } = heldClient();
  const { result, unmount } = mount(() => vue.useDiff('g-1', 'g-0', { token: 'read', againstToken: 'other', client }));
  calls[0].resolve(diffOf('first'));
  await settle();

  const reloading = result.reload();
  unmount();
  calls[1].resolve(diffOf('second'));
  await reloading;

  assert.deepEqual(calls[1].query, { against: 'g-0', token: 'read', againstToken: 'other', patch: false });
  assert.equal(result.diff.value.generation_id, 'first');
});

test('vueUseDiff_WithoutAToken_LoadsNothing', async () => {
  const { client, calls } = heldClient();
  const { result } = mount(() => vue.useDiff('g-1', 'phase:0', { client }));

  await result.reload();

  assert.equal(calls.length, 0);
  assert.equal(result.loading.value, false);
});

test('vueUseIterationProgress_ForkAndRevert_PostToTheStatusUrlOption', async () => {
  const server = fakeFetch(202, started);
  const { result } = mount(() => vue.useIterationProgress(url, 'read', {
    EventSource: FakeEventSource, fetch: server.fetch, statusUrl: '/api/runs/g-1', baseUrl: base, controlToken: 'control',
  }));

  await result.fork({ fromPhase: 1, budget: { max_total_tokens: 9000 } });
  await result.revert({ paths: ['a.cs'], to: 'g-0' });

  const posts = server.requests.filter((r) => r.init?.method === 'POST');
  assert.deepEqual(posts.map((r) => r.url), [`${base}/api/runs/g-1/fork`, `${base}/api/runs/g-1/revert`]);
  assert.deepEqual(JSON.parse(posts[0].init.body), { from_phase: 1, budget: { max_total_tokens: 9000 } });
  assert.ok(posts.every((r) => r.init.headers.Authorization === 'Bearer control'));
});
