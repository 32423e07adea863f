// The signed-in user's list, budgets and reads by ownership, as a server receives them (a recording fetch and a
// hand-driven EventSource).
import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';
import { BudgetExceededError, createGenerationPager, createGenerationsClient, GenerationApiError, watchGeneration } from '../index.js';
import { FakeEventSource, fakeFetch } from './support/fake-event-source.js';
import { listItem, pagedFetch } from './support/pages.js';

const baseUrl = 'http://127.0.0.1:5000';
const client = (fetch) => createGenerationsClient({ baseUrl, fetch, EventSource: FakeEventSource });

beforeEach(() => { FakeEventSource.instances.length = 0; });

test('listGenerations_StatusAndLimit_SendsOwnerMeTheQueryAndNoTokenWithSameOriginCredentials', async () => {
  const server = pagedFetch([listItem(1)]);

  const page = await client(server.fetch).listGenerations({ status: 'failed', limit: 5 });

  assert.deepEqual(page.generations.map((g) => g.generation_id), ['g-1']);
  const [{ url, init }] = server.requests;
  assert.equal(url, 'http://127.0.0.1:5000/generations?owner=me&status=failed&limit=5');
  assert.equal(init.credentials, 'same-origin');
  assert.equal(init.cache, 'no-store');
  assert.equal(init.headers?.Authorization, undefined);
});

test('listGenerations_CursorWithUrlCharacters_IsOneEncodedValue', async () => {
  const { fetch, requests } = fakeFetch(200, { generations: [] });

  await client(fetch).listGenerations({ cursor: 'a&owner=bob#x' });

  assert.equal(requests[0].url, 'http://127.0.0.1:5000/generations?owner=me&cursor=a%26owner%3Dbob%23x');
});

test('listGenerations_CredentialsOption_IsSentOnEveryCall', async () => {
  const { fetch, requests } = fakeFetch(200, { generations: [] });
  const api = createGenerationsClient({ baseUrl, fetch, credentials: 'include' });

  await api.listGenerations();
  await api.snapshot('g-1', 'read');

  assert.deepEqual(requests.map((r) => r.init.credentials), ['include', 'include']);
});

test('listGenerations_QueryTheServerWouldRefuse_ThrowsNamingTheFieldBeforeAnyRequest', async () => {
  const { fetch, requests } = fakeFetch(200, { generations: [] });
  const api = client(fetch);

  const bad = [
    [{ status: 'done' }, /status must/], [{ status: '' }, /status must/], [{ limit: 0 }, /limit must/], [{ limit: 101 }, /limit must/],
    [{ limit: 2.5 }, /limit must/], [{ limit: '5' }, /limit must/], [{ cursor: '' }, /cursor must/], [{ cursor: 'x'.repeat(513) }, /cursor must/], [{ cursor: 7 }, /cursor must/],
  ];
  for (const [query, message] of bad) {
    await assert.rejects(api.listGenerations(query), message, JSON.stringify(query));
  }
  assert.equal(requests.length, 0);
});

test('listGenerations_Anonymous_RejectsWith401', async () => {
  const { fetch } = fakeFetch(401, { status: 401, detail: 'Listing generations needs a signed-in user.' });

  const error = await client(fetch).listGenerations().catch((e) => e);

  assert.ok(error instanceof GenerationApiError);
  assert.equal(error.status, 401);
  assert.equal(error.message, 'Listing generations needs a signed-in user.');
});

test('listAllGenerations_SeveralPages_YieldsEachOnceInOrderFollowingTheCursor', async () => {
  const items = Array.from({ length: 7 }, (_, i) => listItem(i + 1));
  const server = pagedFetch(items);

  const seen = [];
  for await (const item of client(server.fetch).listAllGenerations({ pageSize: 3 })) seen.push(item.generation_id);

  assert.deepEqual(seen, items.map((i) => i.generation_id));
  assert.deepEqual(server.requests.map((r) => new URL(r.url).search), ['?owner=me&limit=3', '?owner=me&limit=3&cursor=3', '?owner=me&limit=3&cursor=6']);
});

test('listAllGenerations_StoppedEarly_AsksForNoFurtherPage', async () => {
  const server = pagedFetch(Array.from({ length: 5 }, (_, i) => listItem(i + 1)));

  for await (const item of client(server.fetch).listAllGenerations({ status: 'completed', pageSize: 2 })) {
    assert.equal(item.generation_id, 'g-1');
    break;
  }

  assert.equal(server.requests.length, 1);
});

test('listAllGenerations_ServerRepeatsItsCursor_ThrowsInsteadOfLooping', async () => {
  const { fetch, requests } = fakeFetch(200, { generations: [listItem(1)], next_cursor: 'same' });

  const drain = async () => { for await (const _ of client(fetch).listAllGenerations()) { /* drain */ } };

  await assert.rejects(drain, /cursor it had sent before/);
  assert.equal(requests.length, 2);
});

test('listAllGenerations_BadPageSize_ThrowsAtTheCall', () => {
  const api = client(fakeFetch(200, {}).fetch);

  assert.throws(() => api.listAllGenerations({ pageSize: 0 }), /^RangeError: limit/);
  assert.throws(() => api.listAllGenerations({ status: 'finished' }), /status/);
});

test('start_WithBudget_SendsItInTheBody', async () => {
  const { fetch, requests } = fakeFetch(202, {});

  await client(fetch).start({ prompt: 'A task tracker', budget: { max_output_tokens: 2000 } });

  assert.deepEqual(JSON.parse(requests[0].init.body), { prompt: 'A task tracker', budget: { max_output_tokens: 2000 } });
});

test('retry_WithRaisedBudget_SendsItAsTheBodyWithTheControlToken', async () => {
  const { fetch, requests } = fakeFetch(202, {});

  await client(fetch).retry('g-1', 'control', { budget: { max_total_tokens: 50000 } });

  assert.deepEqual(JSON.parse(requests[0].init.body), { budget: { max_total_tokens: 50000 } });
  assert.equal(requests[0].init.headers.Authorization, 'Bearer control');
});

test('retry_ByOwnershipWithBudgetAndReview_SendsBothAndNoAuthorization', async () => {
  const { fetch, requests } = fakeFetch(202, {});

  await client(fetch).retry('g-1', null, { review: { plan: true }, budget: { max_output_tokens: 8000 } });

  assert.deepEqual(JSON.parse(requests[0].init.body), { review: { plan: true }, budget: { max_output_tokens: 8000 } });
  assert.equal(requests[0].init.headers.Authorization, undefined);
  assert.equal(requests[0].init.credentials, 'same-origin');
});

test('iterate_WithBudget_SendsItBesideThePrompt', async () => {
  const { fetch, requests } = fakeFetch(202, {});

  await client(fetch).iterate('g-1', 'Add auth', 'control', { budget: { max_total_tokens: 9000 } });

  assert.deepEqual(JSON.parse(requests[0].init.body), { parent_generation_id: 'g-1', modification_prompt: 'Add auth', budget: { max_total_tokens: 9000 } });
});

test('startIterateRetry_BudgetBelowOne_ThrowNamingTheFieldBeforeAnyRequest', () => {
  const { fetch, requests } = fakeFetch(202, {});
  const api = client(fetch);

  assert.throws(() => api.start({ prompt: 'x', budget: { max_output_tokens: 0 } }), /^RangeError: budget\.max_output_tokens/);
  assert.throws(() => api.iterate('g-1', 'x', 'c', { budget: { max_total_tokens: -1 } }), /budget\.max_total_tokens/);
  assert.throws(() => api.retry('g-1', 'c', { budget: { max_total_tokens: 1.5 } }), /budget\.max_total_tokens/);
  assert.throws(() => api.retry('g-1', 'c', { budget: { max_total_tokens: 2 ** 60 } }), /budget\.max_total_tokens/);
  assert.throws(() => api.retry('g-1', 'c', { budget: 2000 }), /budget must be an object/);
  assert.equal(requests.length, 0);
});

test('start_RefusedForBudget_RejectsWithABudgetExceededErrorNamingTheLimit', async () => {
  const problem = {
    type: 'https://iteration-streaming.dev/problems/budget-exceeded', status: 429, detail: 'The daily allowance is used.',
    limit: 'owner_tokens_per_day', allowed: 100000, used: 99000, resets_at: '2026-12-07T00:00:00+00:00',
  };
  const fetch = async () => new Response(JSON.stringify(problem), { status: 429, headers: { 'Content-Type': 'application/problem+json', 'Retry-After': '3600' } });

  const error = await client(fetch).start({ prompt: 'x', budget: { max_total_tokens: 20000 } }).catch((e) => e);

  assert.ok(error instanceof BudgetExceededError);
  assert.ok(error instanceof GenerationApiError);
  assert.equal(error.name, 'BudgetExceededError');
  assert.equal(error.status, 429);
  assert.equal(error.message, 'The daily allowance is used.');
  assert.equal(error.limit, 'owner_tokens_per_day');
  assert.equal(error.allowed, 100000);
  assert.equal(error.used, 99000);
  assert.equal(error.resetsAt.toISOString(), '2026-12-07T00:00:00.000Z');
  assert.equal(error.retryAfter, 3600);
});

test('sendInput_429ThatIsNotABudget_StaysAPlainGenerationApiError', async () => {
  const { fetch } = fakeFetch(429, { status: 429, detail: 'This generation already has 50 instructions.' });

  const error = await client(fetch).sendInput('g-1', { action: 'instruct', instruction: 'More' }, { controlToken: 'c' }).catch((e) => e);

  assert.ok(!(error instanceof BudgetExceededError));
  assert.equal(error.status, 429);
});

test('budgetExceededError_MembersOfAnotherShape_AreNullOrEmpty', () => {
  const error = new BudgetExceededError(429, { type: 'https://iteration-streaming.dev/problems/budget-exceeded', limit: 3, allowed: 'many', resets_at: 'tomorrow' });

  assert.deepEqual([error.limit, error.allowed, error.used, error.resetsAt, error.retryAfter], ['', null, null, null, null]);
});

test('readsByOwnership_NullToken_SendNoAuthorizationAndLinksCarryNoToken', async () => {
  const { fetch, requests } = fakeFetch(200, { generation_id: 'g-1', files: [] });
  const api = client(fetch);

  await api.snapshot('g-1', null);
  await api.files('g-1', null);
  await api.readFile('g-1', 'src/a.cs', null);

  assert.deepEqual(requests.map((r) => [r.url, r.init.headers?.Authorization, r.init.credentials]), [
    ['http://127.0.0.1:5000/generations/g-1', undefined, 'same-origin'],
    ['http://127.0.0.1:5000/generations/g-1/files', undefined, 'same-origin'],
    ['http://127.0.0.1:5000/generations/g-1/files/src/a.cs', undefined, 'same-origin'],
  ]);
  assert.equal(api.fileUrl('g-1', 'src/a.cs', null), 'http://127.0.0.1:5000/generations/g-1/files/src/a.cs');
  assert.equal(api.archiveUrl('g-1', null), 'http://127.0.0.1:5000/generations/g-1/archive');
});

test('readsAndActions_TokenLeftOutOrEmpty_StillThrow', () => {
  const api = client(fakeFetch(200, {}).fetch);

  assert.throws(() => api.fileUrl('g-1', 'a.cs'), /token is required/);
  assert.throws(() => api.archiveUrl('g-1', ''), /token is required/);
  assert.throws(() => watchGeneration('/generations/g-1/stream', undefined, {}, { EventSource: FakeEventSource }), /token/);
});

test('watch_ListedGeneration_OpensTheStreamWithoutATokenAndAsksTheSnapshotWithout', async () => {
  const { fetch, requests } = fakeFetch(401, { detail: 'Not yours.' });
  const ended = [];

  client(fetch).watch(listItem(7, { status: 'processing' }), { onEnd: (reason, detail) => ended.push([reason, detail.detail]) });
  const source = FakeEventSource.last;
  source.refuse();
  await new Promise((resolve) => setImmediate(resolve));

  assert.equal(source.url, 'http://127.0.0.1:5000/generations/g-7/stream');
  assert.deepEqual(source.init, { withCredentials: false });
  assert.equal(requests[0].url, 'http://127.0.0.1:5000/generations/g-7');
  assert.deepEqual(requests[0].init.headers, {});
  assert.equal(requests[0].init.credentials, 'same-origin');
  assert.deepEqual(ended, [['unauthorized', 'Not yours.']]);
});

test('watch_ListedGenerationWithIncludeCredentials_OpensTheStreamWithCredentials', () => {
  const api = createGenerationsClient({ baseUrl, fetch: fakeFetch(200, {}).fetch, EventSource: FakeEventSource, credentials: 'include' });

  api.watch({ generation_id: 'g 1' }, {}, { lastEventId: 4 });

  assert.equal(FakeEventSource.last.url, 'http://127.0.0.1:5000/generations/g%201/stream?lastEventId=4');
  assert.deepEqual(FakeEventSource.last.init, { withCredentials: true });
});

test('watch_StartedGeneration_StillCarriesItsReadToken', () => {
  client(fakeFetch(200, {}).fetch).watch({ stream_url: '/generations/g-1/stream', status_url: '/generations/g-1', sse_token: 'read' });

  assert.equal(FakeEventSource.last.url, 'http://127.0.0.1:5000/generations/g-1/stream?token=read');
});

test('pager_RefreshThenLoadMore_AppendsTheNextPageWithoutDuplicates', async () => {
  const items = Array.from({ length: 5 }, (_, i) => listItem(i + 1));
  const api = client(pagedFetch(items).fetch);
  const states = [];
  const pager = createGenerationPager(api, { limit: 2 }, (s) => states.push(s));

  await pager.refresh();
  await pager.loadMore();

  assert.deepEqual(pager.state.generations.map((g) => g.generation_id), ['g-1', 'g-2', 'g-3', 'g-4']);
  assert.equal(pager.state.hasMore, true);
  assert.equal(pager.state.nextCursor, '4');
  assert.deepEqual(states.map((s) => s.loading), [true, false, true, false]);
  await pager.loadMore();
  assert.equal(pager.state.hasMore, false);
  await pager.loadMore();
  assert.equal(pager.state.generations.length, 5, 'nothing more to load');
});

test('pager_AnswerAfterANewerRefresh_IsDropped', async () => {
  const answers = [];
  const slowClient = { listGenerations: () => new Promise((resolve) => answers.push(resolve)) };
  const pager = createGenerationPager(slowClient, {});

  const first = pager.refresh();
  const second = pager.refresh();
  answers[1]({ generations: [listItem(2)] });
  answers[0]({ generations: [listItem(1)] });
  await Promise.all([first, second]);

  assert.deepEqual(pager.state.generations.map((g) => g.generation_id), ['g-2']);
});

test('pager_Refused_KeepsTheListAndShowsTheError', async () => {
  let fail = false;
  const api = { listGenerations: async () => { if (fail) throw new GenerationApiError(401, { detail: 'Signed out.' }); return { generations: [listItem(1)] }; } };
  const pager = createGenerationPager(api, {});
  await pager.refresh();

  fail = true;
  await pager.refresh();

  assert.equal(pager.state.generations.length, 1);
  assert.equal(pager.state.error.status, 401);
  assert.equal(pager.state.loading, false);
});
