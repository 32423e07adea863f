// watchMany as a server receives it and as a page sees it: the watch request, the one EventSource, the fold of
// interleaved member events (each once, progress never back), the end of a set, and refusals; with a recording fetch
// and a hand-driven EventSource (the real stream is tested against the sample host in many-http.test.js).
import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';
import { applyWatchManyEvent, createGenerationsClient, GenerationApiError, initialWatchManyState, watchMany } from '../index.js';
import { FakeEventSource } from './support/fake-event-source.js';

const baseUrl = 'http://127.0.0.1:5000';

/** A fetch that answers by route: `routes[method + ' ' + path]` is `[status, body]` (204: no body); records the requests. */
function routedFetch(routes) {
  const requests = [];
  const fetch = async (url, init = {}) => {
    const { pathname } = new URL(url);
    requests.push({ url, init, method: init.method ?? 'GET' });
    const [status, body, headers = {}] = routes[`${init.method ?? 'GET'} ${pathname}`] ?? [404, { detail: 'No such route (test).' }];
    if (status === 204) return new Response(null, { status });
    return new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } });
  };
  return { fetch, requests };
}

const named = (ids) => [200, { watch_token: 'w.token', stream_url: '/generations/stream', generations: ids }];
const settle = () => new Promise((resolve) => setImmediate(resolve));
const member = (id, stage, progress, fields = {}) => ({ generation_id: id, status: 'processing', stage, progress, message: stage, timestamp: 1_800_000_000, ...fields });
const ends = () => {
  const seen = { errors: [], ends: [], members: [], events: [] };
  return {
    seen,
    handlers: {
      onError: (error) => seen.errors.push(error),
      onEnd: (reason, error) => seen.ends.push([reason, error?.status]),
      onMemberEnd: (id, event) => seen.members.push([id, event.status]),
      onEvent: (event, cursor) => seen.events.push([event.generation_id, event.stage, cursor]),
    },
  };
};

beforeEach(() => { FakeEventSource.instances.length = 0; });

test('watchMany_Set_PostsTheSetOnceThenOpensOneEventSourceWithTheWatchToken', async () => {
  const server = routedFetch({ 'POST /generations/watch': named(['g-1', 'g-2']) });

  watchMany({ generations: [{ id: 'g-1', token: 'read-1' }, { id: 'g-2', token: null }] }, { baseUrl, fetch: server.fetch, EventSource: FakeEventSource });
  await settle();

  assert.equal(server.requests.length, 1);
  const [{ url, init }] = server.requests;
  assert.equal(url, 'http://127.0.0.1:5000/generations/watch');
  assert.equal(init.method, 'POST');
  assert.equal(init.credentials, 'same-origin');
  assert.equal(init.headers['Content-Type'], 'application/json');
  assert.deepEqual(JSON.parse(init.body), { generations: [{ id: 'g-1', token: 'read-1' }, { id: 'g-2' }] }, 'a null token is left out: by ownership');
  assert.equal(FakeEventSource.instances.length, 1);
  assert.equal(FakeEventSource.last.url, 'http://127.0.0.1:5000/generations/stream?token=w.token');
});

test('watchMany_SetFromStart_AddsFromToTheStreamUrl', async () => {
  const server = routedFetch({ 'POST /generations/watch': named(['g-1']) });

  watchMany({ generations: [{ id: 'g-1', token: 'r' }] }, { baseUrl, from: 'start', fetch: server.fetch, EventSource: FakeEventSource });
  await settle();

  assert.equal(FakeEventSource.last.url, 'http://127.0.0.1:5000/generations/stream?token=w.token&from=start');
});

test('watchMany_Owner_OpensOneStreamByOwnershipWithoutAnyRequestFirst', () => {
  const server = routedFetch({});
  const api = createGenerationsClient({ baseUrl, prefix: '/api/generations/', fetch: server.fetch, EventSource: FakeEventSource, credentials: 'include' });

  api.watchMany({ owner: 'me' }, { from: 'start' });

  assert.equal(server.requests.length, 0);
  assert.equal(FakeEventSource.instances.length, 1);
  assert.equal(FakeEventSource.last.url, 'http://127.0.0.1:5000/api/generations/stream?owner=me&from=start');
  assert.deepEqual(FakeEventSource.last.init, { withCredentials: true });
});

test('watchMany_InterleavedMembers_FoldEachIntoItsOwnStateWithTheLatestEvent', () => {
  const handle = watchMany({ owner: 'me' }, { baseUrl, EventSource: FakeEventSource });
  const source = FakeEventSource.last;
  source.open();

  source.emit(member('g-1', 'initializing', 0.01), 'c1');
  source.emit(member('g-2', 'phase_1_started', 0.05), 'c2');
  source.emit(member('g-1', 'phase_1_progress', 0.1), 'c3');

  const { generations, connection, cursor } = handle.state;
  assert.deepEqual([...generations.keys()], ['g-1', 'g-2'], 'in the order first heard of');
  assert.deepEqual([generations.get('g-1').progress, generations.get('g-1').stage], [10, 'phase_1_progress']);
  assert.deepEqual([generations.get('g-2').progress, generations.get('g-2').stage], [5, 'phase_1_started']);
  assert.equal(handle.latest('g-1').stage, 'phase_1_progress');
  assert.equal(handle.latest('g-3'), undefined);
  assert.equal(connection, 'open');
  assert.equal(cursor, 'c3');
});

test('watchMany_SameEventAgainAfterAReopen_IsDeliveredOnce', () => {
  const { seen, handlers } = ends();
  watchMany({ owner: 'me' }, { baseUrl, EventSource: FakeEventSource, ...handlers });
  const source = FakeEventSource.last;
  const first = member('g-1', 'phase_1_progress', 0.1);

  source.emit(first, 'c1');
  source.emit(member('g-2', 'queued', 0, { status: 'queued' }), 'c2');
  source.emit({ ...first }, 'c3'); // the latest event of g-1 once more (a from=now start)

  assert.deepEqual(seen.events, [['g-1', 'phase_1_progress', 'c1'], ['g-2', 'queued', 'c2']]);
});

test('watchMany_LowerProgressLater_KeepsEachGenerationsProgressMonotonic', () => {
  const handle = watchMany({ owner: 'me' }, { baseUrl, EventSource: FakeEventSource });
  const source = FakeEventSource.last;

  source.emit(member('g-1', 'phase_2_complete', 0.4), 'c1');
  source.emit(member('g-1', 'resumed', 0.2, { timestamp: 1_800_000_050 }), 'c2');

  assert.equal(handle.state.generations.get('g-1').progress, 40);
  assert.equal(handle.state.generations.get('g-1').stage, 'resumed');
});

test('watchMany_MemberTerminalEvent_CallsOnMemberEndOnceAndIgnoresAnythingAfter', () => {
  const { seen, handlers } = ends();
  const handle = watchMany({ owner: 'me' }, { baseUrl, EventSource: FakeEventSource, ...handlers });
  const source = FakeEventSource.last;

  source.emit(member('g-1', 'completed', 1, { status: 'completed' }), 'c1');
  source.emit(member('g-1', 'phase_1_started', 0.05), 'c2');
  source.emit(member('g-2', 'failed', 0.3, { status: 'failed', error: 'boom' }), 'c3');

  assert.deepEqual(seen.members, [['g-1', 'completed'], ['g-2', 'failed']]);
  assert.equal(seen.events.length, 2);
  assert.equal(handle.state.generations.get('g-1').status, 'completed');
  assert.equal(handle.state.generations.get('g-1').ended, true);
  assert.equal(handle.state.ended, null, 'an owner stream goes on: the user may start another');
  assert.equal(source.closed, false);
});

test('watchMany_EveryMemberOfTheSetEnded_ClosesTheStreamAndEndsOnce', async () => {
  const server = routedFetch({ 'POST /generations/watch': named(['g-1', 'g-2']) });
  const { seen, handlers } = ends();
  const handle = watchMany({ generations: [{ id: 'g-1', token: 'a' }, { id: 'g-2', token: 'b' }] }, { baseUrl, fetch: server.fetch, EventSource: FakeEventSource, ...handlers });
  await settle();
  const source = FakeEventSource.last;
  assert.deepEqual([...handle.state.generations.keys()], ['g-1', 'g-2'], 'the named members are there before their first event');

  source.emit(member('g-2', 'completed', 1, { status: 'completed' }), 'c1');
  assert.equal(source.closed, false);
  source.emit(member('g-1', 'cancelled', 0.4, { status: 'cancelled' }), 'c2');

  assert.equal(source.closed, true);
  assert.deepEqual(seen.ends, [['ended', undefined]]);
  assert.equal(handle.state.connection, 'closed');
  assert.equal(handle.state.ended, 'ended');
  assert.equal(seen.errors.length, 0);
});

test('watchMany_DroppedConnection_ShowsReconnectingAndLetsEventSourceResume', () => {
  const states = [];
  const handle = watchMany({ owner: 'me' }, { baseUrl, EventSource: FakeEventSource, onConnection: (s) => states.push(s) });
  const source = FakeEventSource.last;
  source.open();
  source.emit(member('g-1', 'initializing', 0.01), 'c1');

  source.drop();

  assert.deepEqual(states, ['connecting', 'open', 'reconnecting']);
  assert.equal(FakeEventSource.instances.length, 1, 'EventSource reconnects by itself, with Last-Event-ID');
  assert.equal(handle.state.generations.get('g-1').progress, 1);
});

test('watchMany_StreamAnswers204_EndsEnded', async () => {
  const server = routedFetch({ 'POST /generations/watch': named(['g-1']), 'GET /generations/stream': [204] });
  const { seen, handlers } = ends();
  watchMany({ generations: [{ id: 'g-1', token: 'a' }] }, { baseUrl, fetch: server.fetch, EventSource: FakeEventSource, ...handlers });
  await settle();
  const source = FakeEventSource.last;
  source.emit(member('g-1', 'phase_5_complete', 0.99), 'cursor 7');

  source.refuse();
  await settle();

  assert.deepEqual(seen.ends, [['ended', undefined]]);
  const probe = server.requests.at(-1);
  assert.equal(probe.url, 'http://127.0.0.1:5000/generations/stream?token=w.token&lastEventId=cursor%207', 'asked once, after the last cursor');
  assert.equal(probe.init.headers.Accept, 'text/event-stream');
});

test('watchMany_StreamRefused_EndsWithTheStatusAndAGenerationApiErrorFromItsProblem', async () => {
  const cases = [
    [401, 'unauthorized', 'The watch token has expired.'],
    [403, 'forbidden', 'Streams by ownership are for the host\'s own pages.'],
    [404, 'not_found', 'This host resolves no owners.'],
    [429, 'too_many_streams', 'You have 8 streams open.'],
    [400, 'bad_request', 'The cursor is not valid.'],
  ];
  for (const [status, reason, detail] of cases) {
    FakeEventSource.instances.length = 0;
    const server = routedFetch({ 'GET /generations/stream': [status, { status, detail }, { 'Retry-After': '5' }] });
    const { seen, handlers } = ends();
    const handle = watchMany({ owner: 'me' }, { baseUrl, fetch: server.fetch, EventSource: FakeEventSource, ...handlers });

    FakeEventSource.last.refuse();
    await settle();

    assert.deepEqual(seen.ends, [[reason, status]], `${status}`);
    assert.equal(seen.errors.length, 1);
    assert.ok(seen.errors[0] instanceof GenerationApiError);
    assert.equal(seen.errors[0].message, detail);
    assert.equal(handle.state.error, seen.errors[0]);
    assert.equal(handle.state.ended, reason);
    assert.equal(FakeEventSource.instances.length, 1, 'a refusal is not retried');
  }
});

test('watchMany_SetRefusedByTheServer_EndsWithItsDetailAndOpensNoStream', async () => {
  const cases = [
    [400, 'bad_request', 'generations must name at most 100 generations, but named 101.'],
    [401, 'unauthorized', "generations[1] ('g-2'): The token's signature is not valid."],
    [403, 'forbidden', "generations[0] ('g-1'): The token was issued for another generation."],
    [413, 'bad_request', 'The request body is too large.'],
  ];
  for (const [status, reason, detail] of cases) {
    FakeEventSource.instances.length = 0;
    const server = routedFetch({ 'POST /generations/watch': [status, { status, detail }] });
    const { seen, handlers } = ends();

    watchMany({ generations: [{ id: 'g-1', token: 'a' }, { id: 'g-2', token: 'b' }] }, { baseUrl, fetch: server.fetch, EventSource: FakeEventSource, ...handlers });
    await settle();

    assert.deepEqual(seen.ends, [[reason, status]]);
    assert.equal(seen.errors[0].message, detail);
    assert.equal(FakeEventSource.instances.length, 0);
  }
});

test('watchMany_ServerUnreachable_EndsErrorWithStatusZeroNamingTheOrigin', async () => {
  const { seen, handlers } = ends();
  const fetch = async () => { throw new TypeError('Failed to fetch'); };

  watchMany({ generations: [{ id: 'g-1', token: 'a' }] }, { baseUrl, fetch, EventSource: FakeEventSource, ...handlers });
  await settle();

  assert.deepEqual(seen.ends, [['error', 0]]);
  assert.match(seen.errors[0].message, /http:\/\/127\.0\.0\.1:5000 was refused by CORS or the server is unreachable/);
});

test('watchMany_CloseBeforeTheSetIsNamed_OpensNoStreamAndEndsClosedByClientOnce', async () => {
  const server = routedFetch({ 'POST /generations/watch': named(['g-1']) });
  const { seen, handlers } = ends();
  const handle = watchMany({ generations: [{ id: 'g-1', token: 'a' }] }, { baseUrl, fetch: server.fetch, EventSource: FakeEventSource, ...handlers });

  handle.close();
  handle.close();
  await settle();

  assert.equal(FakeEventSource.instances.length, 0);
  assert.deepEqual(seen.ends, [['closed_by_client', undefined]]);
});

test('watchMany_Close_ClosesTheOneEventSource', () => {
  const handle = watchMany({ owner: 'me' }, { baseUrl, EventSource: FakeEventSource });

  handle.close();

  assert.equal(FakeEventSource.last.closed, true);
  assert.equal(handle.state.ended, 'closed_by_client');
});

test('watchMany_TargetTheServerWouldRefuseOnItsFace_ThrowsNamingItBeforeAnyRequest', () => {
  const server = routedFetch({});
  const options = { baseUrl, fetch: server.fetch, EventSource: FakeEventSource };
  const bad = [
    [undefined, /target must be/], [[], /target must be/], [{}, /generations must be a non-empty array/],
    [{ generations: [] }, /generations must be a non-empty array/], [{ generations: 'g-1' }, /non-empty array/],
    [{ generations: [{ token: 'a' }] }, /generations\[0\]\.id is required/], [{ generations: [{ id: 'g-1', token: 'a' }, { id: '', token: 'a' }] }, /generations\[1\]\.id/],
    [{ generations: [{ id: 'g-1' }] }, /generations\[0\]\.token is required.*or null/], [{ generations: [{ id: 'g-1', token: '' }] }, /generations\[0\]\.token/],
    [{ owner: 'bob' }, /owner must be 'me'/], [{ owner: 'me', generations: [{ id: 'g', token: null }] }, /not both/],
  ];
  for (const [target, message] of bad) {
    assert.throws(() => watchMany(target, options), message, JSON.stringify(target));
  }
  assert.throws(() => watchMany({ owner: 'me' }, { ...options, from: 'end' }), /^RangeError: from must be 'now' or 'start'/);
  assert.throws(() => watchMany({ owner: 'me' }, { baseUrl, EventSource: null }), /no EventSource here/);
  assert.equal(server.requests.length, 0);
  assert.equal(FakeEventSource.instances.length, 0);
});

test('applyWatchManyEvent_EventWithoutGenerationId_LeavesTheStateAsItIs', () => {
  const state = initialWatchManyState(['g-1']);

  assert.equal(applyWatchManyEvent(state, { status: 'processing', stage: 'x', progress: 0.5 }), state);
  assert.equal(applyWatchManyEvent(state, null), state);
});

test('applyWatchManyEvent_AnEvent_ChangesOnlyItsMemberInANewMap', () => {
  const state = initialWatchManyState(['g-1', 'g-2']);

  const next = applyWatchManyEvent(state, member('g-2', 'phase_1_started', 0.05), { id: 'c1' });

  assert.notEqual(next.generations, state.generations);
  assert.equal(next.generations.get('g-1'), state.generations.get('g-1'));
  assert.equal(next.generations.get('g-2').event.stage, 'phase_1_started');
  assert.equal(next.generations.get('g-2').lastEventId, null, 'the cursor is the set\'s, not the member\'s');
  assert.equal(next.cursor, 'c1');
  assert.equal(state.generations.get('g-2').event, null, 'the state given is not changed');
});
