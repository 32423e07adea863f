// watchGeneration's onLive: the texts after each event, and GET /live (the stream's token in the header) when a watch
// resumes after an event (a reload), on a gap, and when a phase continues from its checkpoint. The hooks show them.
import assert from 'node:assert/strict';
import { register } from 'node:module';
import { beforeEach, test } from 'node:test';
import { watchGeneration, createGenerationsClient } from '../index.js';
import { FakeEventSource } from './support/fake-event-source.js';
import { createLiveServer } from './support/live-server.js';

register('./support/fake-modules.js', import.meta.url);
const { renderHook } = await import('react');
const { useIterationProgress } = await import('../react.js');
const { mount } = await import('vue');
const vue = await import('../vue.js');

beforeEach(() => {
  FakeEventSource.instances.length = 0;
});

/** A fetch that answers GET …/live with what `answer()` says at the time, and records each request; answers wait for `release()`. */
function liveFetch(answer) {
  const requests = [];
  const held = [];
  const fetch = (url, init) => {
    requests.push({ url, init });
    return new Promise((resolve) => held.push(() => {
      const [status, body] = answer();
      resolve(new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } }));
    }));
  };
  // Lets the held answers go, then waits until the watcher has taken them (a few turns of the microtask queue).
  const release = async () => {
    while (held.length > 0) held.shift()();
    for (let i = 0; i < 10; i++) await Promise.resolve();
  };
  return { fetch, requests, release };
}

function midFileServer() {
  const server = createLiveServer();
  server.startPhase(1);
  server.report('a.ts', 'export const a = 1;\n');
  server.yieldFile('a.ts', 'export const a = 1;\n');
  server.report('b.ts', 'const b');
  server.report('b.ts', ' = "<b>";');
  return server;
}

test('watchGeneration_OnLiveFromTheStart_RebuildsTheTextsWithoutAskingLive', async () => {
  const server = midFileServer();
  const { fetch, requests } = liveFetch(() => [500, {}]);
  let live = null;
  watchGeneration('/generations/g-1/stream', 'read-token', { onLive: (l) => { live = l; } }, { EventSource: FakeEventSource, fetch });
  const source = FakeEventSource.last;

  source.open();
  server.events.forEach((e, i) => source.emit(e, i + 1));

  assert.deepEqual(live.files, { 'a.ts': { text: 'export const a = 1;\n', complete: true }, 'b.ts': { text: 'const b = "<b>";', complete: false } });
  assert.equal(requests.length, 0);
});

test('watchGeneration_ReloadMidFile_ReadsLiveWithTheTokenInTheHeaderAndContinuesFromItsSequence', async () => {
  const server = midFileServer();
  const lastShown = 3;
  let servedAt = server.events.length;
  const { fetch, requests, release } = liveFetch(() => [200, server.liveAt(servedAt)]);
  const changes = [];
  watchGeneration('/generations/g-1/stream', 'read-token', { onLive: (l) => changes.push(l) }, { EventSource: FakeEventSource, fetch, lastEventId: lastShown });
  const source = FakeEventSource.last;
  source.open();

  // The stream resumes after the last event shown; the answer is read as of event 5 and arrives after event 4.
  source.emit(server.events[3], 4);
  await release();
  server.report('b.ts', '\nexport default b;');
  servedAt = server.events.length;
  source.emit(server.events[4], 5);
  source.emit(server.events[5], 6);

  assert.equal(requests.length, 1);
  assert.equal(requests[0].url, '/generations/g-1/live');
  assert.equal(requests[0].init.headers.Authorization, 'Bearer read-token');
  assert.equal(source.url.includes('read-token'), true, 'the stream keeps its token in the query, as before');
  assert.deepEqual(changes.at(-1).files, server.textsAt(6).files);
  assert.equal(changes.at(-1).files['b.ts'].text, 'const b = "<b>";\nexport default b;');
});

test('watchGeneration_Gap_ReadsLiveOnceAndFillsIt', async () => {
  const server = midFileServer();
  const { fetch, requests, release } = liveFetch(() => [200, server.liveAt(server.events.length)]);
  let live = null;
  watchGeneration('/generations/g-1/stream', null, { onLive: (l) => { live = l; } }, { EventSource: FakeEventSource, fetch });
  const source = FakeEventSource.last;
  source.open();

  [0, 1, 2, 4].forEach((i) => source.emit(server.events[i], i + 1)); // event 4 lost
  source.emit(server.events[4], 5);
  assert.equal(live.sync, 'needed');
  await release();

  assert.equal(requests.length, 1, 'one request for the gap, not one per delta');
  assert.deepEqual(requests[0].init.headers, {}, 'by ownership: no token');
  assert.equal(live.sync, null);
  assert.equal(live.files['b.ts'].text, 'const b = "<b>";');
});

test('watchGeneration_ContinuedPhase_ReadsLiveAndTakesTheKeptFiles', async () => {
  const server = createLiveServer();
  server.startPhase(3);
  server.report('a.ts', 'kept');
  server.yieldFile('a.ts', 'kept');
  server.report('b.ts', 'so far');
  server.writeCheckpoint();
  server.report('b.ts', ' and lost');
  server.crash();
  server.resumed(3, { continues: true });
  server.startPhase(3, { continued: true });
  const { fetch, requests, release } = liveFetch(() => [200, server.liveAt(server.events.length)]);
  let live = null;
  watchGeneration('/generations/g-1/stream', 'read-token', { onLive: (l) => { live = l; } }, { EventSource: FakeEventSource, fetch });
  const source = FakeEventSource.last;
  source.open();

  server.events.forEach((e, i) => source.emit(e, i + 1));
  await release();

  assert.equal(requests.length, 1);
  assert.deepEqual(live.files, { 'a.ts': { text: 'kept', complete: true }, 'b.ts': { text: 'so far', complete: false } });
});

test('watchGeneration_OldServerWithoutLive_KeepsWatchingAndAsksNoMore', async () => {
  const server = createLiveServer();
  server.startPhase(1);
  server.oldFormat('Program.cs', 400);
  const { fetch, requests, release } = liveFetch(() => [404, { detail: 'Not found' }]);
  const events = [];
  let live = null;
  watchGeneration('/generations/g-1/stream', 'read-token', { onEvent: (e) => events.push(e), onLive: (l) => { live = l; } }, { EventSource: FakeEventSource, fetch, lastEventId: 7 });
  const source = FakeEventSource.last;
  source.open();
  await release();

  source.emit(server.events[1], 8);

  assert.equal(requests.length, 1);
  assert.equal(live.sync, 'unavailable');
  assert.equal(events.length, 1);
});

test('watchGeneration_WithoutOnLive_NeverReadsLive', async () => {
  const { fetch, requests } = liveFetch(() => [200, {}]);
  watchGeneration('/generations/g-1/stream', 'read-token', {}, { EventSource: FakeEventSource, fetch, lastEventId: 9 });
  FakeEventSource.last.open();

  assert.equal(requests.length, 0);
});

test('createGenerationsClient_Live_GetsTheLiveRouteWithTheTokenInTheHeader', async () => {
  const { fetch, requests, release } = liveFetch(() => [200, { generation_id: 'g 1', status: 'processing', sequence: 4, files: [] }]);
  const api = createGenerationsClient({ fetch, baseUrl: 'http://host' });

  const answer = api.live('g 1', 'read-token');
  await release();

  assert.equal((await answer).sequence, 4);
  assert.equal(requests[0].url, 'http://host/generations/g%201/live');
  assert.equal(requests[0].init.headers.Authorization, 'Bearer read-token');
  await assert.rejects(api.live('', 'read-token'), /generation id/);
  await assert.rejects(api.live('g', undefined), /token is required/);
});

test('useIterationProgress_ReloadMidFile_ShowsTheLiveTexts', async () => {
  const server = midFileServer();
  const { fetch, release } = liveFetch(() => [200, server.liveAt(server.events.length)]);
  const hook = renderHook(useIterationProgress, '/generations/g-1/stream', 'read-token', { EventSource: FakeEventSource, fetch, lastEventId: 4 });
  FakeEventSource.last.open();

  await release();
  FakeEventSource.last.emit(server.events[4], 5);

  assert.deepEqual(hook.result.current.live.files, server.textsAt(5).files);
  assert.equal(hook.result.current.live.currentFile, 'b.ts');
});

test('vueUseIterationProgress_Deltas_ShowTheLiveTexts', () => {
  const server = midFileServer();
  const { fetch } = liveFetch(() => [500, {}]);
  const { result: { live, state } } = mount(() => vue.useIterationProgress('/generations/g-1/stream', 'read-token', { EventSource: FakeEventSource, fetch }));
  const source = FakeEventSource.last;
  source.open();

  server.events.forEach((e, i) => source.emit(e, i + 1));

  assert.equal(live.value.files['b.ts'].text, 'const b = "<b>";');
  assert.equal(state.value.live, live.value);
});
