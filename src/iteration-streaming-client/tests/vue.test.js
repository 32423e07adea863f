// The Vue composable's state transitions, with a tiny fake of Vue's ref/readonly/lifecycle API and an EventSource
// driven by hand.
import assert from 'node:assert/strict';
import { register } from 'node:module';
import { beforeEach, test } from 'node:test';
import { event, gate, phaseInfo, runToPhase3 } from './support/events.js';
import { FakeEventSource, fakeFetch } from './support/fake-event-source.js';

register('./support/fake-modules.js', import.meta.url);
const { mount } = await import('vue');
const { useIterationProgress, useGenerations } = await import('../vue.js');
const { GenerationApiError, createGenerationsClient } = await import('../index.js');
const { listItem, pagedFetch } = await import('./support/pages.js');

const url = '/generations/g-1/stream';
let options;
beforeEach(() => {
  FakeEventSource.instances.length = 0;
  options = { EventSource: FakeEventSource, fetch: fakeFetch(404, { detail: 'Unknown generation.' }).fetch };
});

test('useIterationProgress_BeforeMount_OpensNothing', () => {
  let opened;
  mount(() => {
    useIterationProgress(url, 'read-token', options);
    opened = FakeEventSource.instances.length;
  });

  assert.equal(opened, 0, 'the stream opens on mount');
  assert.equal(FakeEventSource.instances.length, 1);
});

test('useIterationProgress_Events_UpdateTheRefs', () => {
  const { result } = mount(() => useIterationProgress(url, 'read-token', options));
  const source = FakeEventSource.last;

  source.open();
  runToPhase3().forEach((e, i) => source.emit(e, i + 1));

  assert.equal(result.connection.value, 'open');
  assert.equal(result.status.value, 'processing');
  assert.equal(result.progress.value, 45);
  assert.equal(result.message.value, 'phase_3_progress');
  assert.deepEqual(result.phases.value.map((p) => p.state), ['done', 'done', 'current', 'pending', 'pending']);
  assert.equal(result.state.value.filesGenerated, 10);
  assert.throws(() => { result.progress.value = 3; }, TypeError, 'the refs are read-only');
});

test('useIterationProgress_Completed_ClosesTheStream', () => {
  const { result } = mount(() => useIterationProgress(url, 'read-token', options));
  const source = FakeEventSource.last;

  source.emit(event('completed', { status: 'completed', progress: 1, partial_output: { usage: { input_tokens: 5, output_tokens: 7 } } }), 1);

  assert.equal(source.closed, true);
  assert.equal(result.status.value, 'completed');
  assert.deepEqual(result.usage.value, { inputTokens: 5, outputTokens: 7 });
  assert.equal(result.connection.value, 'closed');
});

test('useIterationProgress_RefusedStream_EndsInTheRefusalStatus', async () => {
  const { result } = mount(() => useIterationProgress(url, 'read-token', options));

  FakeEventSource.last.refuse();
  await new Promise((resolve) => setImmediate(resolve));

  assert.equal(result.status.value, 'not_found');
  assert.equal(result.error.value, 'Unknown generation.');
});

test('useIterationProgress_DroppedConnection_ShowsReconnecting', () => {
  const { result } = mount(() => useIterationProgress(url, 'read-token', options));
  FakeEventSource.last.emit(event('phase_1_started', { phase_info: phaseInfo(1) }), 4);

  FakeEventSource.last.drop();

  assert.equal(result.connection.value, 'reconnecting');
  assert.equal(result.status.value, 'processing');
});

test('useIterationProgress_DisconnectThenUnmount_ClosesOnce', () => {
  const { result, unmount } = mount(() => useIterationProgress(url, 'read-token', options));

  result.disconnect();
  unmount();

  assert.equal(FakeEventSource.last.closed, true);
  assert.equal(result.connection.value, 'closed');
});

test('useIterationProgress_ReviewGate_ExposesTheInputRequestRefUntilTheRunGoesOn', () => {
  const { result } = mount(() => useIterationProgress(url, 'read-token', options));
  const source = FakeEventSource.last;
  source.open();
  runToPhase3().slice(0, 6).forEach((e, i) => source.emit(e, i + 1));

  source.emit(gate('phase', { phase: 1 }), 7);
  const waiting = result.inputRequest.value;
  source.emit(event('input_received', { message: 'Approved: phase 2 next' }), 8);

  assert.deepEqual([waiting.kind, waiting.phase], ['phase', 1]);
  assert.equal(result.inputRequest.value, null);
  assert.equal(result.status.value, 'processing');
  assert.equal(source.closed, false);
  assert.throws(() => { result.inputRequest.value = null; }, TypeError, 'read-only');
});

test('useIterationProgress_SendInput_PostsWithTheControlTokenInTheHeader', async () => {
  const server = fakeFetch(202, { generation_id: 'g-1', action: 'lock', event_id: 8, status: 'awaiting_input' });
  const { result } = mount(() => useIterationProgress(url, 'read-token', { ...options, fetch: server.fetch, controlToken: 'control-token' }));

  const answer = await result.sendInput({ action: 'lock', paths: ['src/a.cs'] });

  assert.equal(answer.status, 'awaiting_input');
  const post = server.requests.find((r) => r.init?.method === 'POST');
  assert.equal(post.url, '/generations/g-1/input');
  assert.equal(post.init.headers.Authorization, 'Bearer control-token');
  assert.ok(!post.url.includes('control-token'));
});

test('useIterationProgress_SendInputRefused_RejectsWithTheProblemsDetail', async () => {
  const server = fakeFetch(400, { status: 400, detail: 'instruction is required.', errors: { instruction: ['instruction is required.'] } });
  const { result } = mount(() => useIterationProgress(url, 'read-token', { ...options, fetch: server.fetch, controlToken: 'control-token' }));

  const error = await result.sendInput({ action: 'instruct' }).catch((e) => e);

  assert.ok(error instanceof GenerationApiError);
  assert.equal(error.status, 400);
  assert.deepEqual(error.problem.errors, { instruction: ['instruction is required.'] });
});

test('useIterationProgress_NullToken_OpensTheStreamWithoutATokenByOwnership', () => {
  mount(() => useIterationProgress(url, null, options));

  assert.equal(FakeEventSource.last.url, '/generations/g-1/stream');
});

test('useGenerations_MountThenLoadMore_FillsTheReadOnlyRefs', async () => {
  const server = pagedFetch(Array.from({ length: 3 }, (_, i) => listItem(i + 1)));
  const api = createGenerationsClient({ baseUrl: 'http://127.0.0.1:5000', fetch: server.fetch });
  const answers = [];
  const client = { listGenerations: (query) => { const answer = api.listGenerations(query); answers.push(answer); return answer; } };
  const settled = async () => { await Promise.allSettled(answers); await new Promise((resolve) => setImmediate(resolve)); };

  const { result, unmount } = mount(() => useGenerations({ client, limit: 2, status: 'completed' }));
  assert.equal(answers.length, 1, 'the first page loads on mount');
  await settled();
  assert.deepEqual(result.generations.value.map((g) => g.generation_id), ['g-1', 'g-2']);
  assert.equal(result.hasMore.value, true);

  await result.loadMore();

  assert.deepEqual(result.generations.value.map((g) => g.generation_id), ['g-1', 'g-2', 'g-3']);
  assert.equal(result.loading.value, false);
  assert.equal(new URL(server.requests[1].url).search, '?owner=me&status=completed&limit=2&cursor=2');
  assert.throws(() => { result.generations.value = []; }, TypeError, 'the refs are read-only');
  unmount();
});
