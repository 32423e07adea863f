// The requests the client sends, as a server receives them (a recording fetch): review gates on start, iterate and
// retry, and the input, with the control token only in the Authorization header.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createGenerationsClient } from '../index.js';
import { fakeFetch } from './support/fake-event-source.js';

const recorded = (status = 202, body = {}) => {
  const server = fakeFetch(status, body);
  return { server, api: createGenerationsClient({ baseUrl: 'http://127.0.0.1:5000', fetch: server.fetch }) };
};

test('start_WithReview_SendsItInTheBody', async () => {
  const { server, api } = recorded();

  await api.start({ prompt: 'A task tracker', review: { plan: true, after_phases: 'all' } });

  assert.deepEqual(JSON.parse(server.requests[0].init.body), { prompt: 'A task tracker', review: { plan: true, after_phases: 'all' } });
});

test('iterate_WithReview_SendsItBesideThePrompt', async () => {
  const { server, api } = recorded();

  await api.iterate('g-1', 'Add auth', 'control', { review: { after_phases: [1, 3] } });

  assert.deepEqual(JSON.parse(server.requests[0].init.body), { parent_generation_id: 'g-1', modification_prompt: 'Add auth', review: { after_phases: [1, 3] } });
});

test('retry_WithoutReview_SendsNoBodyAsBefore', async () => {
  const { server, api } = recorded();

  await api.retry('g-1', 'control');

  assert.equal(server.requests[0].url, 'http://127.0.0.1:5000/generations/g-1/retry');
  assert.equal(server.requests[0].init.body, undefined);
});

test('retry_WithReview_SendsItAsTheBody', async () => {
  const { server, api } = recorded();

  await api.retry('g-1', 'control', { review: { plan: true } });

  assert.deepEqual(JSON.parse(server.requests[0].init.body), { review: { plan: true } });
  assert.equal(server.requests[0].init.headers.Authorization, 'Bearer control');
});

test('sendInput_PostsTheInputToTheEncodedInputUrlWithTheControlTokenInTheHeaderOnly', async () => {
  const accepted = { generation_id: 'g/1', action: 'lock', event_id: 12, status: 'awaiting_input' };
  const { server, api } = recorded(202, accepted);

  const answer = await api.sendInput('g/1', { action: 'lock', paths: ['src/a.cs'] }, { controlToken: 'control-secret' });

  assert.deepEqual(answer, accepted);
  const [{ url, init }] = server.requests;
  assert.equal(url, 'http://127.0.0.1:5000/generations/g%2F1/input');
  assert.equal(init.method, 'POST');
  assert.equal(init.cache, 'no-store');
  assert.deepEqual(init.headers, { 'Content-Type': 'application/json', Authorization: 'Bearer control-secret' });
  assert.deepEqual(JSON.parse(init.body), { action: 'lock', paths: ['src/a.cs'] });
  assert.ok(!url.includes('control-secret'), 'never in the URL');
});

test('sendInput_Refused_RejectsWithTheProblemsDetailAsMessage', async () => {
  const { api } = recorded(429, { status: 429, detail: 'This generation already has 50 instructions.' });

  const error = await api.sendInput('g-1', { action: 'instruct', instruction: 'More' }, { controlToken: 'c' }).catch((e) => e);

  assert.equal(error.status, 429);
  assert.equal(error.message, 'This generation already has 50 instructions.');
});
