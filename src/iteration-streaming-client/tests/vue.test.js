// The Vue composable's state transitions, with a tiny fake of Vue's ref/readonly/lifecycle API and an EventSource
// driven by hand.
import assert from 'node:assert/strict';
import { register } from 'node:module';
import { beforeEach, test } from 'node:test';
import { event, phaseInfo, runToPhase3 } from './support/events.js';
import { FakeEventSource, fakeFetch } from './support/fake-event-source.js';

register('./support/fake-modules.js', import.meta.url);
const { mount } = await import('vue');
const { useIterationProgress } = await import('../vue.js');

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
