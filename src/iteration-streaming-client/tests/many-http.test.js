// watchMany against the real sample host: a named set and the owner's stream over one connection, each member's events
// exactly as on its own stream (once, in order) across a cut connection, runs that join later, and the refusals.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { createGenerationsClient, GenerationApiError, watchMany } from '../index.js';
import { signIn } from './support/owner.js';
import { startSampleHost, stopAllSampleHosts } from './support/sample-host.js';
import { closeAllWatches, collect, droppingEventSource, EventSource } from './support/streams.js';

const timeout = 90_000;
const streamCap = 2;
let host;
let api;

before(async () => {
  host = await startSampleHost([
    `--IterationStreaming:MaxMultiplexedStreamsPerOwner=${streamCap}`,
    '--IterationStreaming:MaxConcurrentGenerations=8',
    '--IterationStreaming:Budgets:OwnerConcurrentGenerations=20',
  ]);
  api = createGenerationsClient({ baseUrl: host.baseUrl, EventSource });
}, { timeout: 300_000 });

const open = new Set();
after(async () => {
  for (const handle of open) handle.close();
  closeAllWatches();
  await host?.stop();
  await stopAllSampleHosts();
});

const request = (n = 1) => ({ prompt: `A task tracker API ${n}`, entities: ['User', 'Task'] });
const user = () => `js-${randomUUID().slice(0, 8)}`;

/**
 * Runs watchMany until it ends (or `until(seen)` says enough, then closes it). Resolves with the events (as the data
 * line's JSON), the cursors, the members that ended, the connection states, why it ended and the error.
 */
function collectMany(target, options, until = () => false) {
  return new Promise((resolve) => {
    const seen = { events: [], cursors: [], ended: [], connections: [], handle: null };
    seen.handle = watchMany(target, {
      ...options,
      onEvent: (event, cursor) => {
        seen.events.push(event);
        seen.cursors.push(cursor);
        options.onEvent?.(event, cursor);
      },
      onMemberEnd: (id) => {
        seen.ended.push(id);
        if (until(seen)) queueMicrotask(() => seen.handle.close());
      },
      onConnection: (state) => {
        seen.connections.push(state);
        options.onConnection?.(state);
      },
      onEnd: (reason, error) => {
        open.delete(seen.handle);
        resolve({ ...seen, reason, error });
      },
    });
    open.add(seen.handle);
  });
}

/** Each generation's events on its own stream, from its first to its terminal event. */
async function ownStreams(ids, client = api, tokens = {}) {
  const all = await Promise.all(ids.map((id) => collect((handlers) =>
    client.watch(tokens[id] ? { stream_url: `/generations/${id}/stream`, status_url: `/generations/${id}`, sse_token: tokens[id] } : { generation_id: id }, handlers))));
  return Object.fromEntries(ids.map((id, i) => [id, all[i].events.map((e) => e.event)]));
}

const byGeneration = (events, ids) => Object.fromEntries(ids.map((id) => [id, events.filter((e) => e.generation_id === id)]));

describe('watchMany, a named set', () => {
  test('watchMany_SetOfThreeFromStart_DeliversEachMembersEventsOnceInItsOrderAndEnds', { timeout }, async () => {
    const started = await Promise.all([1, 2, 3].map((n) => api.start(request(n))));
    const ids = started.map((s) => s.generation_id);

    const result = await collectMany({ generations: started.map((s) => ({ id: s.generation_id, token: s.sse_token })) },
      { baseUrl: host.baseUrl, EventSource, from: 'start' });

    assert.equal(result.reason, 'ended');
    assert.equal(result.error, undefined);
    assert.equal(result.handle.state.error, null);
    assert.deepEqual([...result.ended].sort(), [...ids].sort());
    const own = await ownStreams(ids, api, Object.fromEntries(started.map((s) => [s.generation_id, s.sse_token])));
    assert.deepEqual(byGeneration(result.events, ids), own, 'byte for byte each member\'s own events, once, in order');
    const { generations } = result.handle.state;
    assert.deepEqual([...generations.keys()], ids, 'in the order named');
    for (const id of ids) {
      assert.equal(generations.get(id).status, 'completed');
      assert.equal(generations.get(id).progress, 100);
      assert.equal(generations.get(id).ended, true);
    }
    assert.equal(new Set(result.cursors).size, result.cursors.length, 'one cursor per event');
  });

  test('watchMany_ConnectionCutMidRun_ResumesAfterTheLastCursorAndMissesNothing', { timeout }, async () => {
    const started = await Promise.all([1, 2, 3].map((n) => api.start(request(n))));
    const ids = started.map((s) => s.generation_id);
    const dropping = droppingEventSource(5);

    const result = await collectMany({ generations: started.map((s) => ({ id: s.generation_id, token: s.sse_token })) },
      { baseUrl: host.baseUrl, EventSource: dropping.EventSource, from: 'start' });

    assert.equal(result.reason, 'ended');
    assert.ok(result.connections.includes('reconnecting'));
    assert.equal(dropping.requests.length, 2, 'one stream, cut once, resumed once');
    assert.equal(dropping.requests[1].lastEventId, result.cursors[4], 'resumed after the fifth event\'s cursor');
    const own = await ownStreams(ids, api, Object.fromEntries(started.map((s) => [s.generation_id, s.sse_token])));
    assert.deepEqual(byGeneration(result.events, ids), own);
  });

  test('watchMany_SetByOwnership_NullTokensReadTheSignedInUsersRuns', { timeout }, async () => {
    const alice = await signIn(host.baseUrl, user());
    const mine = createGenerationsClient({ baseUrl: host.baseUrl, fetch: alice.fetch, EventSource: alice.EventSource });
    const ids = (await Promise.all([1, 2].map((n) => mine.start(request(n))))).map((s) => s.generation_id);

    const result = await collectMany({ generations: ids.map((id) => ({ id, token: null })) },
      { baseUrl: host.baseUrl, fetch: alice.fetch, EventSource: alice.EventSource, from: 'start' });

    assert.equal(result.reason, 'ended');
    assert.deepEqual(byGeneration(result.events, ids), await ownStreams(ids, mine));
    assert.ok(new URL(alice.requests[0].url).searchParams.has('token'), 'the stream takes the watch token the server issued');
  });

  test('watchMany_MoreGenerationsThanTheServersCap_EndsBadRequestWithItsDetailAndOpensNoStream', { timeout }, async () => {
    const started = await api.start(request());
    let streams = 0;
    class Counting extends EventSource { constructor(url) { super(url); streams++; } }
    const members = Array.from({ length: 101 }, (_, i) => ({ id: i === 0 ? started.generation_id : randomUUID(), token: started.sse_token }));

    const result = await collectMany({ generations: members }, { baseUrl: host.baseUrl, EventSource: Counting });

    assert.equal(result.reason, 'bad_request');
    assert.ok(result.error instanceof GenerationApiError);
    assert.equal(result.error.status, 400);
    assert.match(result.error.message, /at most 100/);
    assert.equal(streams, 0);
  });

  test('watchMany_ForgedTokenInTheSet_EndsUnauthorizedNamingTheEntry', { timeout }, async () => {
    const [one, two] = await Promise.all([api.start(request(1)), api.start(request(2))]);

    const result = await collectMany({ generations: [{ id: one.generation_id, token: one.sse_token }, { id: two.generation_id, token: `${two.sse_token.slice(0, -2)}xx` }] },
      { baseUrl: host.baseUrl, EventSource });

    assert.equal(result.reason, 'unauthorized');
    assert.equal(result.error.status, 401);
    assert.match(result.error.message, /generations\[1\]/);
    assert.equal(result.events.length, 0);
  });

  test('watchMany_TokenOfAnotherGeneration_EndsForbiddenNamingTheEntry', { timeout }, async () => {
    const [one, two] = await Promise.all([api.start(request(1)), api.start(request(2))]);

    const result = await collectMany({ generations: [{ id: one.generation_id, token: two.sse_token }, { id: two.generation_id, token: two.sse_token }] },
      { baseUrl: host.baseUrl, EventSource });

    assert.equal(result.reason, 'forbidden');
    assert.equal(result.error.status, 403);
    assert.match(result.error.message, /generations\[0\]/);
  });

  test('watchMany_WatchTokenForgedAfterTheSetWasNamed_StreamEndsUnauthorized', { timeout }, async () => {
    const started = await api.start(request());
    // The server's answer with its watch token altered: the stream itself refuses it, and EventSource does not say why.
    const forging = async (url, init) => {
      const response = await fetch(url, init);
      if (init?.method !== 'POST' || !response.ok) return response;
      const named = await response.json();
      return Response.json({ ...named, watch_token: `${named.watch_token.slice(0, -2)}xx` });
    };

    const result = await collectMany({ generations: [{ id: started.generation_id, token: started.sse_token }] },
      { baseUrl: host.baseUrl, EventSource, fetch: forging });

    assert.equal(result.reason, 'unauthorized');
    assert.equal(result.error.status, 401);
    assert.equal(typeof result.error.message, 'string');
  });

  test('watchMany_EmptySet_ThrowsBeforeAnyRequest', () => {
    const requests = [];
    const recording = (url, init) => { requests.push(url); return fetch(url, init); };

    assert.throws(() => watchMany({ generations: [] }, { baseUrl: host.baseUrl, EventSource, fetch: recording }), /generations must be a non-empty array/);
    assert.equal(requests.length, 0);
  });
});

describe('watchMany, the owner\'s stream', () => {
  test('watchMany_Owner_PicksUpRunsStartedAfterItOpenedFromTheirFirstEvent', { timeout }, async () => {
    const alice = await signIn(host.baseUrl, user());
    const mine = createGenerationsClient({ baseUrl: host.baseUrl, fetch: alice.fetch, EventSource: alice.EventSource });
    let ids = [];
    let opened;
    const ready = new Promise((resolve) => { opened = resolve; });

    const watching = collectMany({ owner: 'me' }, {
      baseUrl: host.baseUrl, fetch: alice.fetch, EventSource: alice.EventSource,
      onConnection: (state) => state === 'open' && opened(),
    }, (seen) => seen.ended.length === 2);
    await ready;
    ids = (await Promise.all([1, 2].map((n) => mine.start(request(n))))).map((s) => s.generation_id);
    const result = await watching;

    assert.equal(result.reason, 'closed_by_client', 'an owner stream never ends by itself');
    assert.deepEqual([...result.ended].sort(), [...ids].sort());
    assert.deepEqual(byGeneration(result.events, ids), await ownStreams(ids, mine));
    assert.equal(alice.requests.filter((r) => new URL(r.url).pathname === '/generations/stream').length, 1, 'one connection');
    assert.equal(new URL(alice.requests[0].url).search, '?owner=me');
  });

  test('watchMany_OwnerOverTheStreamCap_EndsTooManyStreamsWith429', { timeout }, async () => {
    const bob = await signIn(host.baseUrl, user());
    const options = { baseUrl: host.baseUrl, fetch: bob.fetch, EventSource: bob.EventSource };
    const openOne = () => new Promise((resolve) => {
      const handle = watchMany({ owner: 'me' }, { ...options, onConnection: (state) => state === 'open' && resolve(handle) });
      open.add(handle);
    });
    const held = [];
    for (let i = 0; i < streamCap; i++) held.push(await openOne());

    const result = await collectMany({ owner: 'me' }, options);

    assert.equal(result.reason, 'too_many_streams');
    assert.equal(result.error.status, 429);
    assert.equal(typeof result.error.message, 'string');
    for (const handle of held) {
      assert.equal(handle.state.connection, 'open', 'the streams open stay open');
      handle.close();
    }
  });

  test('watchMany_OwnerNobodySignedIn_EndsUnauthorized', { timeout }, async () => {
    const result = await collectMany({ owner: 'me' }, { baseUrl: host.baseUrl, EventSource });

    assert.equal(result.reason, 'unauthorized');
    assert.equal(result.error.status, 401);
  });
});
