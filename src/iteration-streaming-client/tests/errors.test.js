// The wording of a request that got no answer: a browser reports a CORS refusal and an unreachable server alike.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GenerationApiError, unreachable } from '../index.js';

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
