// useWatchMany of the React hook and the Vue composable: their state transitions, with the tiny fakes of React and Vue
// and an EventSource driven by hand.
import assert from 'node:assert/strict';
import { register } from 'node:module';
import { beforeEach, test } from 'node:test';
import { FakeEventSource, fakeFetch } from './support/fake-event-source.js';

register('./support/fake-modules.js', import.meta.url);
const { renderHook } = await import('react');
const { mount } = await import('vue');
const { useWatchMany: useReactWatchMany } = await import('../react.js');
const { useWatchMany: useVueWatchMany } = await import('../vue.js');

const baseUrl = 'http://127.0.0.1:5000';
const member = (id, stage, progress, fields = {}) => ({ generation_id: id, status: 'processing', stage, progress, message: stage, timestamp: 1_800_000_000, ...fields });
let options;
beforeEach(() => {
  FakeEventSource.instances.length = 0;
  options = { baseUrl, EventSource: FakeEventSource, fetch: fakeFetch(401, { detail: 'Nobody is signed in.' }).fetch };
});

test('reactUseWatchMany_WithoutATarget_StaysIdleAndOpensNothing', () => {
  const { result } = renderHook(useReactWatchMany, null, options);

  assert.equal(result.current.connection, 'idle');
  assert.equal(result.current.generations.size, 0);
  assert.equal(FakeEventSource.instances.length, 0);
});

test('reactUseWatchMany_OwnerEvents_FoldPerGenerationOverOneStream', () => {
  const hook = renderHook(useReactWatchMany, { owner: 'me' }, options);
  const source = FakeEventSource.last;

  source.open();
  source.emit(member('g-1', 'phase_1_started', 0.05), 'c1');
  source.emit(member('g-2', 'phase_2_started', 0.2), 'c2');
  source.emit(member('g-1', 'phase_1_progress', 0.1), 'c3');

  const { generations, connection } = hook.result.current;
  assert.equal(FakeEventSource.instances.length, 1);
  assert.equal(source.url, 'http://127.0.0.1:5000/generations/stream?owner=me');
  assert.equal(connection, 'open');
  assert.deepEqual([...generations].map(([id, g]) => [id, g.progress, g.stage]), [['g-1', 10, 'phase_1_progress'], ['g-2', 20, 'phase_2_started']]);
});

test('reactUseWatchMany_SameTargetInANewObject_DoesNotReconnect', () => {
  const hook = renderHook(useReactWatchMany, { owner: 'me' }, options);

  hook.rerender({ owner: 'me' }, { ...options });

  assert.equal(FakeEventSource.instances.length, 1);
  assert.equal(FakeEventSource.last.closed, false);
});

test('reactUseWatchMany_FromChanges_ClosesTheStreamAndOpensAnotherWithAFreshState', () => {
  const hook = renderHook(useReactWatchMany, { owner: 'me' }, options);
  const first = FakeEventSource.last;
  first.emit(member('g-1', 'phase_1_started', 0.05), 'c1');

  hook.rerender({ owner: 'me' }, { ...options, from: 'start' });

  assert.equal(first.closed, true);
  assert.equal(FakeEventSource.instances.length, 2);
  assert.equal(FakeEventSource.last.url, 'http://127.0.0.1:5000/generations/stream?owner=me&from=start');
  assert.equal(hook.result.current.generations.size, 0);
  assert.equal(hook.result.current.connection, 'connecting');
});

test('reactUseWatchMany_Unmount_ClosesTheStream', () => {
  const hook = renderHook(useReactWatchMany, { owner: 'me' }, options);

  hook.unmount();

  assert.equal(FakeEventSource.last.closed, true);
});

test('reactUseWatchMany_Refused_ShowsTheEndAndTheError', async () => {
  const hook = renderHook(useReactWatchMany, { owner: 'me' }, options);

  FakeEventSource.last.refuse();
  await new Promise((resolve) => setImmediate(resolve));

  assert.equal(hook.result.current.ended, 'unauthorized');
  assert.equal(hook.result.current.error.status, 401);
  assert.equal(hook.result.current.error.message, 'Nobody is signed in.');
  assert.equal(hook.result.current.connection, 'closed');
});

test('vueUseWatchMany_BeforeMount_OpensNothing', () => {
  let opened;
  mount(() => {
    useVueWatchMany({ owner: 'me' }, options);
    opened = FakeEventSource.instances.length;
  });

  assert.equal(opened, 0, 'the stream opens on mount');
  assert.equal(FakeEventSource.instances.length, 1);
});

test('vueUseWatchMany_Events_UpdateTheRefsAndOnMemberEndIsCalled', () => {
  const ended = [];
  const { result } = mount(() => useVueWatchMany({ owner: 'me' }, { ...options, onMemberEnd: (id) => ended.push(id) }));
  const source = FakeEventSource.last;

  source.open();
  source.emit(member('g-1', 'phase_1_started', 0.05), 'c1');
  source.emit(member('g-1', 'completed', 1, { status: 'completed' }), 'c2');

  assert.equal(result.connection.value, 'open');
  assert.equal(result.generations.value.get('g-1').status, 'completed');
  assert.equal(result.generations.value.get('g-1').ended, true);
  assert.equal(result.state.value.cursor, 'c2');
  assert.deepEqual(ended, ['g-1']);
  assert.throws(() => { result.connection.value = 'closed'; }, /readonly/);
});

test('vueUseWatchMany_WithoutATarget_OpensNothing', () => {
  const { result } = mount(() => useVueWatchMany(undefined, options));

  assert.equal(result.connection.value, 'idle');
  assert.equal(FakeEventSource.instances.length, 0);
});

test('vueUseWatchMany_Unmount_ClosesTheStream', () => {
  const { unmount } = mount(() => useVueWatchMany({ owner: 'me' }, options));

  unmount();

  assert.equal(FakeEventSource.last.closed, true);
});
