// diff, fork and revert against the real sample host: an iteration diffed against its parent (JSON and patch), a fork
// from phase 2 of a finished run, a revert of one file to what the iteration started from, and the refusals.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createGenerationsClient, GenerationApiError } from '../index.js';
import { startSampleHost, stopAllSampleHosts } from './support/sample-host.js';
import { closeAllWatches, collect, EventSource } from './support/streams.js';

// The endpoints of issue 26 (/diff, /fork, /revert) are the http task's: these tests are written against them and skipped
// until they are merged. Set to false with that merge.
const endpointsPending = 'Needs the issue-26 endpoints (/diff, /fork, /revert) of the http task; set endpointsPending to false once merged.';

const timeout = 60_000;
const request = { prompt: 'A task tracker API with users and tasks', entities: ['User', 'Task'] };
let host;
let api;
let parent;
let child;

/** Starts (or takes) a run and resolves with its 202 body once its stream ended completed. */
async function completed(startedPromise) {
  const started = await startedPromise;
  const { reason } = await collect((handlers) => api.watch(started, handlers));
  assert.equal(reason, 'completed');
  return started;
}

describe('diff, fork and revert', { skip: endpointsPending }, () => {
  before(async () => {
    host = await startSampleHost();
    api = createGenerationsClient({ baseUrl: host.baseUrl, EventSource });
    parent = await completed(api.start(request));
    child = await completed(api.iterate(parent.generation_id, 'Add due dates to tasks', parent.control_token));
  }, { timeout: 300_000 });

  after(async () => {
    closeAllWatches();
    await host?.stop();
    await stopAllSampleHosts();
  });

  test('diff_IterationAgainstItsParent_ListsEveryPathOnceInOrderWithMatchingCounts', { timeout }, async () => {
    const diff = await api.diff(child.generation_id, { against: parent.generation_id, token: child.sse_token, againstToken: parent.sse_token });

    assert.equal(diff.generation_id, child.generation_id);
    assert.equal(diff.against_generation_id, parent.generation_id);
    const paths = diff.files.map((f) => f.path);
    assert.deepEqual(paths, [...paths].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)), 'ordered by path (ordinal)');
    assert.equal(new Set(paths).size, paths.length);
    const count = (kind) => diff.files.filter((f) => f.change === kind).length;
    assert.deepEqual(
      [diff.summary.added, diff.summary.modified, diff.summary.deleted, diff.summary.unchanged],
      [count('added'), count('modified'), count('deleted'), count('unchanged')]);
    assert.ok(diff.summary.added + diff.summary.modified + diff.summary.deleted > 0, 'the iteration wrote something');
    for (const file of diff.files.filter((f) => f.diff)) assert.ok(file.diff.startsWith(`diff --git a/${file.path} b/${file.path}\n`), file.path);
  });

  test('diffPatch_IterationAgainstItsParent_HoldsEachFilesDiff', { timeout }, async () => {
    const diff = await api.diff(child.generation_id, { against: parent.generation_id, token: child.sse_token, againstToken: parent.sse_token });

    const patch = await api.diff(child.generation_id, { against: parent.generation_id, token: child.sse_token, againstToken: parent.sse_token, patch: true });

    assert.equal(typeof patch, 'string');
    for (const file of diff.files.filter((f) => f.diff)) assert.ok(patch.includes(file.diff), file.path);
  });

  test('diff_AgainstPhaseZeroOfANewGeneration_ListsEveryFileAdded', { timeout }, async () => {
    const diff = await api.diff(parent.generation_id, { against: 'phase:0', token: parent.sse_token });

    assert.equal(diff.against_phase, 0);
    assert.ok(diff.files.length > 0);
    assert.ok(diff.files.every((f) => f.change === 'added'));
  });

  test('diff_AgainstAnotherGenerationWithAStrangersToken_RejectsWith403NamingIt', { timeout }, async () => {
    const stranger = await api.start(request);

    const error = await api.diff(child.generation_id, { against: parent.generation_id, token: child.sse_token, againstToken: stranger.sse_token }).catch((e) => e);

    assert.ok(error instanceof GenerationApiError);
    assert.equal(error.status, 403);
    assert.match(error.message, new RegExp(`against generation '${parent.generation_id}'`));
    await api.cancel(stranger.generation_id, stranger.control_token);
  });

  test('fork_FromPhaseTwo_StartsAForkThatCompletes', { timeout }, async () => {
    const fork = await api.fork(parent.generation_id, { fromPhase: 2, modificationPrompt: 'Use PostgreSQL', token: parent.control_token });
    await completed(fork);

    const snapshot = await api.snapshot(fork.generation_id, fork.sse_token);

    assert.equal(fork.forked_from, parent.generation_id);
    assert.equal(fork.from_phase, 2);
    assert.equal(snapshot.forked_from, parent.generation_id);
    assert.equal(snapshot.status, 'completed');
  });

  test('fork_PastTheLastSavedPhase_RejectsWith400', { timeout }, async () => {
    const error = await api.fork(parent.generation_id, { fromPhase: 99, token: parent.control_token }).catch((e) => e);

    assert.equal(error.status, 400);
  });

  test('fork_WithTheReadToken_IsRefused', { timeout }, async () => {
    const error = await api.fork(parent.generation_id, { fromPhase: 1, token: parent.sse_token }).catch((e) => e);

    assert.ok([401, 403].includes(error.status), String(error.status));
  });

  test('revert_OneChangedFileToWhatTheIterationStartedFrom_MatchesTheParentAgain', { timeout }, async () => {
    const before = await api.diff(child.generation_id, { against: 'phase:0', token: child.sse_token });
    const changed = before.files.find((f) => f.change !== 'unchanged');

    const revert = await completed(api.revert(child.generation_id, { paths: [changed.path], to: 'phase:0', token: child.control_token }));
    const after = await api.diff(revert.generation_id, { against: parent.generation_id, token: revert.sse_token, againstToken: parent.sse_token });

    const now = after.files.find((f) => f.path === changed.path);
    if (changed.change === 'added') assert.equal(now, undefined, 'a file the iteration added is deleted again');
    else assert.equal(now.change, 'unchanged');
  });

  test('revert_PathInNeitherState_RejectsWith400', { timeout }, async () => {
    const error = await api.revert(child.generation_id, { paths: ['no/such/File.cs'], to: 'phase:0', token: child.control_token }).catch((e) => e);

    assert.equal(error.status, 400);
  });
});
