// The wording of a request that got no answer: a browser reports a CORS refusal and an unreachable server alike.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createGenerationsClient, GenerationApiError, unreachable } from '../index.js';

test('unreachable_AbsoluteUrl_NamesItsOriginAndTheBrowsersMessage', () => {
  const text = unreachable('http://127.0.0.1:5000/generations/abc/stream?token=secret', new TypeError('Failed to fetch'));

  assert.equal(text, 'The request to http://127.0.0.1:5000 was refused by CORS or the server is unreachable (Failed to fetch).');
});

test('unreachable_RelativeUrlOutsideABrowser_NamesTheUrlAsGiven', () => {
  assert.equal(unreachable('/generations', 'offline'), 'The request to /generations was refused by CORS or the server is unreachable (offline).');
});

test('generationApiError_StatusZeroWithoutDetail_SaysCorsOrUnreachableAndKeepsTheCause', () => {
  const cause = new TypeError('Failed to fetch');

  const error = new GenerationApiError(0, null, { cause });

  assert.equal(error.message, 'The server could not be reached, or CORS refused the request.');
  assert.equal(error.status, 0);
  assert.deepEqual(error.problem, {});
  assert.equal(error.cause, cause);
});

test('sendInput_WithoutControlTokenOrAction_ThrowsBeforeAnyRequest', () => {
  const requests = [];
  const api = createGenerationsClient({ baseUrl: 'http://127.0.0.1:1', fetch: async (...args) => { requests.push(args); return new Response('{}'); } });

  assert.throws(() => api.sendInput('g-1', { action: 'approve' }), /token is required/);
  assert.throws(() => api.sendInput('g-1', { action: 'approve' }, { controlToken: '' }), /token is required/);
  assert.throws(() => api.sendInput('g-1', {}, { controlToken: 'c' }), /needs an action/);
  assert.throws(() => api.sendInput('g-1', [], { controlToken: 'c' }), /must be an object/);
  assert.throws(() => api.sendInput('', { action: 'approve' }, { controlToken: 'c' }), /generation id is required/);
  assert.equal(requests.length, 0);
});

test('sendInput_RefusedWithoutABody_SaysTheStatus', async () => {
  const api = createGenerationsClient({ baseUrl: 'http://127.0.0.1:1', fetch: async () => new Response('', { status: 502 }) });

  const error = await api.sendInput('g-1', { action: 'approve' }, { controlToken: 'c' }).catch((e) => e);

  assert.ok(error instanceof GenerationApiError);
  assert.equal(error.status, 502);
  assert.equal(error.message, 'The server answered 502.');
});

test('sendInput_UnreachableServer_RejectsWithStatusZeroNamingTheOrigin', async () => {
  const api = createGenerationsClient({ baseUrl: 'http://127.0.0.1:1', fetch: async () => { throw new TypeError('Failed to fetch'); } });

  const error = await api.sendInput('g 1', { action: 'approve' }, { controlToken: 'c' }).catch((e) => e);

  assert.equal(error.status, 0);
  assert.match(error.message, /^The request to http:\/\/127\.0\.0\.1:1 was refused by CORS/);
});
