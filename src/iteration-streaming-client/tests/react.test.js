// The React hook's state transitions, with a tiny fake of React's hooks and an EventSource driven by hand.
import assert from 'node:assert/strict';
import { register } from 'node:module';
import { beforeEach, test } from 'node:test';
import { event, gate, phaseInfo, runToPhase3 } from './support/events.js';
import { FakeEventSource, fakeFetch } from './support/fake-event-source.js';

register('./support/fake-modules.js', import.meta.url);
const { renderHook } = await import('react');
const { useIterationProgress, useGenerations } = await import('../react.js');
const { GenerationApiError, createGenerationsClient } = await import('../index.js');
const { listItem, pagedFetch } = await import('./support/pages.js');

const url = '/generations/g-1/stream';
let options;
beforeEach(() => {
  FakeEventSource.instances.length = 0;
  options = { EventSource: FakeEventSource, fetch: fakeFetch(401, { detail: 'The token has expired.' }).fetch };
});

test('useIterationProgress_WithoutAStream_StaysIdleAndOpensNothing', () => {
  const { result } = renderHook(useIterationProgress, null, null, options);

  assert.equal(result.current.connection, 'idle');
  assert.equal(result.current.status, 'pending');
  assert.equal(FakeEventSource.instances.length, 0);
});

test('useIterationProgress_Events_FoldIntoTheProgressState', () => {
  const hook = renderHook(useIterationProgress, url, 'read-token', options);
  const source = FakeEventSource.last;

  source.open();
  runToPhase3().forEach((e, i) => source.emit(e, i + 1));

  const state = hook.result.current;
  assert.equal(source.url, '/generations/g-1/stream?token=read-token');
  assert.equal(state.connection, 'open');
  assert.equal(state.status, 'processing');
  assert.equal(state.progress, 45);
  assert.deepEqual(state.phases.map((p) => p.state), ['done', 'done', 'current', 'pending', 'pending']);
  assert.deepEqual(state.phaseInfo, phaseInfo(3, { files_generated: 1, total_files: 10 }));
  assert.equal(state.lastEventId, '10');
});

test('useIterationProgress_DroppedConnection_ShowsReconnectingAndKeepsTheState', () => {
  const hook = renderHook(useIterationProgress, url, 'read-token', options);
  const source = FakeEventSource.last;
  source.open();
  source.emit(event('phase_1_started', { phase_info: phaseInfo(1) }), 4);

  source.drop();

  assert.equal(hook.result.current.connection, 'reconnecting');
  assert.equal(hook.result.current.status, 'processing', 'a drop is not an error: EventSource resumes it');
  assert.equal(source.closed, false);
});

test('useIterationProgress_TerminalEvent_ClosesTheStreamAndKeepsTheStatus', () => {
  const hook = renderHook(useIterationProgress, url, 'read-token', options);
  const source = FakeEventSource.last;

  source.emit(event('error', { status: 'failed', error: 'gave up' }), 1);

  assert.equal(source.closed, true);
  assert.equal(hook.result.current.status, 'failed');
  assert.equal(hook.result.current.error, 'gave up');
  assert.equal(hook.result.current.connection, 'closed');
});

test('useIterationProgress_RefusedStream_EndsInTheRefusalStatus', async () => {
  const hook = renderHook(useIterationProgress, url, 'read-token', options);

  FakeEventSource.last.refuse();
  await new Promise((resolve) => setImmediate(resolve));

  assert.equal(hook.result.current.status, 'unauthorized');
  assert.equal(hook.result.current.error, 'The token has expired.');
  assert.equal(FakeEventSource.instances.length, 1, 'no reconnect loop');
});

test('useIterationProgress_NewStreamUrl_ClosesTheOldStreamAndStartsAfresh', () => {
  const hook = renderHook(useIterationProgress, url, 'read-token', options);
  const first = FakeEventSource.last;
  first.emit(event('phase_1_started', { phase_info: phaseInfo(1) }), 4);

  hook.rerender('/generations/g-2/stream', 'other-token', options);

  assert.equal(first.closed, true);
  assert.equal(FakeEventSource.instances.length, 2);
  assert.equal(hook.result.current.status, 'pending');
  assert.equal(hook.result.current.connection, 'connecting');
});

test('useIterationProgress_SameStreamOnRerender_KeepsTheConnection', () => {
  const hook = renderHook(useIterationProgress, url, 'read-token', options);

  hook.rerender(url, 'read-token', { ...options });

  assert.equal(FakeEventSource.instances.length, 1);
});

test('useIterationProgress_Unmount_ClosesTheStream', () => {
  const hook = renderHook(useIterationProgress, url, 'read-token', options);

  hook.unmount();

  assert.equal(FakeEventSource.last.closed, true);
});

test('useIterationProgress_ReviewGate_ShowsTheInputRequestAndKeepsTheStreamOpen', () => {
  const hook = renderHook(useIterationProgress, url, 'read-token', options);
  const source = FakeEventSource.last;
  source.open();
  runToPhase3().slice(0, 3).forEach((e, i) => source.emit(e, i + 1));

  source.emit(gate('plan'), 4);

  assert.equal(hook.result.current.status, 'awaiting_input');
  assert.equal(hook.result.current.inputRequest.kind, 'plan');
  assert.equal(source.closed, false, 'a gate is not the end: the stream stays open');
  assert.equal(hook.result.current.connection, 'open');
});

test('useIterationProgress_InputReceivedAndTheRunGoesOn_ClearsTheInputRequest', () => {
  const hook = renderHook(useIterationProgress, url, 'read-token', options);
  const source = FakeEventSource.last;
  source.emit(gate('plan'), 4);

  source.emit(event('input_received', { message: 'Plan approved' }), 5);

  assert.equal(hook.result.current.status, 'processing');
  assert.equal(hook.result.current.inputRequest, null);
});

test('useIterationProgress_SendInput_PostsToTheInputUrlWithTheControlTokenOnlyInTheHeader', async () => {
  const accepted = { generation_id: 'g-1', action: 'approve', event_id: 5, status: 'processing' };
  const server = fakeFetch(202, accepted);
  const hook = renderHook(useIterationProgress, url, 'read-token', { ...options, fetch: server.fetch, controlToken: 'control-token' });

  const answer = await hook.result.current.sendInput({ action: 'approve', instruction: 'Use PostgreSQL' });

  assert.deepEqual(answer, accepted);
  const [{ url: address, init }] = server.requests.filter((r) => r.init?.method === 'POST');
  assert.equal(address, '/generations/g-1/input');
  assert.equal(init.headers.Authorization, 'Bearer control-token');
  assert.equal(init.headers['Content-Type'], 'application/json');
  assert.deepEqual(JSON.parse(init.body), { action: 'approve', instruction: 'Use PostgreSQL' });
});

test('useIterationProgress_SendInputWithATokenGiven_UsesItAndTheStatusUrlOption', async () => {
  const server = fakeFetch(202, { generation_id: 'g-1', action: 'instruct', event_id: 9, status: 'processing' });
  const hook = renderHook(useIterationProgress, url, 'read-token', {
    ...options, fetch: server.fetch, statusUrl: '/api/runs/g-1', baseUrl: 'http://127.0.0.1:5000', controlToken: 'old',
  });

  await hook.result.current.sendInput({ action: 'instruct', instruction: 'Use PostgreSQL' }, { controlToken: 'new' });

  assert.equal(server.requests[0].url, 'http://127.0.0.1:5000/api/runs/g-1/input');
  assert.equal(server.requests[0].init.headers.Authorization, 'Bearer new');
});

test('useIterationProgress_SendInputRefused_RejectsWithTheStatusAndTheProblemsDetail', async () => {
  const server = fakeFetch(409, { title: 'Conflict', status: 409, detail: 'The generation is processing: approve needs a review gate.' });
  const hook = renderHook(useIterationProgress, url, 'read-token', { ...options, fetch: server.fetch, controlToken: 'control-token' });

  const error = await hook.result.current.sendInput({ action: 'approve' }).catch((e) => e);

  assert.ok(error instanceof GenerationApiError);
  assert.equal(error.status, 409);
  assert.equal(error.message, 'The generation is processing: approve needs a review gate.');
});

test('useIterationProgress_SendInputWithoutControlTokenOrAction_ThrowsBeforeAnyRequest', () => {
  const server = fakeFetch(202, {});
  const hook = renderHook(useIterationProgress, url, 'read-token', { ...options, fetch: server.fetch });

  assert.throws(() => hook.result.current.sendInput({ action: 'approve' }), TypeError);
  assert.throws(() => hook.result.current.sendInput({ instruction: 'x' }, { controlToken: 'c' }), TypeError);
  assert.throws(() => hook.result.current.sendInput(null, { controlToken: 'c' }), TypeError);
  assert.equal(server.requests.length, 0);
});

test('useIterationProgress_SendInputWithoutAStream_Throws', () => {
  const { result } = renderHook(useIterationProgress, null, null, { ...options, controlToken: 'c' });

  assert.throws(() => result.current.sendInput({ action: 'approve' }), /no generation is watched/);
});

/** A list client over the paged fake whose every answer the test can await (then one turn for the state to land). */
function recordedListClient(count) {
  const server = pagedFetch(Array.from({ length: count }, (_, i) => listItem(i + 1)));
  const api = createGenerationsClient({ baseUrl: 'http://127.0.0.1:5000', fetch: server.fetch });
  const answers = [];
  const client = { listGenerations: (query) => { const answer = api.listGenerations(query); answers.push(answer); return answer; } };
  const settled = async () => { await Promise.allSettled(answers); await new Promise((resolve) => setImmediate(resolve)); };
  return { client, server, settled };
}

test('useIterationProgress_NullToken_OpensTheStreamWithoutATokenByOwnership', () => {
  renderHook(useIterationProgress, url, null, options);

  assert.equal(FakeEventSource.last.url, '/generations/g-1/stream');
  assert.deepEqual(FakeEventSource.last.init, { withCredentials: false });
});

test('useIterationProgress_UndefinedToken_StaysIdle', () => {
  const { result } = renderHook(useIterationProgress, url, undefined, options);

  assert.equal(result.current.connection, 'idle');
  assert.equal(FakeEventSource.instances.length, 0);
});

test('useGenerations_OnMount_LoadsTheFirstPage', async () => {
  const { client, settled } = recordedListClient(3);
  const hook = renderHook(useGenerations, { client, limit: 2 });
  assert.equal(hook.result.current.loading, true);

  await settled();

  const state = hook.result.current;
  assert.deepEqual(state.generations.map((g) => g.generation_id), ['g-1', 'g-2']);
  assert.equal(state.hasMore, true);
  assert.equal(state.loading, false);
  assert.equal(state.error, null);
});

test('useGenerations_LoadMore_AppendsTheNextPage', async () => {
  const { client, settled } = recordedListClient(3);
  const hook = renderHook(useGenerations, { client, limit: 2 });
  await settled();

  await hook.result.current.loadMore();
  await settled();

  assert.deepEqual(hook.result.current.generations.map((g) => g.generation_id), ['g-1', 'g-2', 'g-3']);
  assert.equal(hook.result.current.hasMore, false);
});

test('useGenerations_NewStatus_ReloadsWithIt', async () => {
  const { client, server, settled } = recordedListClient(1);
  const hook = renderHook(useGenerations, { client });
  await settled();

  hook.rerender({ client, status: 'failed' });
  await settled();

  assert.deepEqual(server.requests.map((r) => new URL(r.url).search), ['?owner=me', '?owner=me&status=failed']);
});

test('useGenerations_Refused_ShowsTheError', async () => {
  const answers = [];
  const client = { listGenerations: () => { const a = Promise.reject(new GenerationApiError(401, { detail: 'Sign in.' })); answers.push(a); return a; } };
  const hook = renderHook(useGenerations, { client });

  await Promise.allSettled(answers);
  await new Promise((resolve) => setImmediate(resolve));

  assert.equal(hook.result.current.error.status, 401);
  assert.deepEqual(hook.result.current.generations, []);
});

test('useGenerations_AnswerAfterUnmount_IsDropped', async () => {
  const { client, settled } = recordedListClient(2);
  const hook = renderHook(useGenerations, { client });
  const before = hook.renders;

  hook.unmount();
  await settled();

  assert.equal(hook.renders, before);
});
