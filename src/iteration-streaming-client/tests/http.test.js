// The client against the real sample host: start, watch with resume, refusals, failure, retry, cancel, iterate, files.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { applyEvent, applySnapshot, createGenerationsClient, fileCounts, GenerationApiError, initialProgress, watchGeneration } from '../index.js';
import { createServer } from 'node:net';
import { startSampleHost, stopAllSampleHosts } from './support/sample-host.js';
import { closeAllWatches, collect, droppingEventSource, EventSource } from './support/streams.js';

const timeout = 60_000;
let fast; // the demo generator at 5 ms per file: runs end in a moment
let slow; // one minute per file: runs stay in phase 1 until cancelled
let api;
let slowApi;

before(async () => {
  // The fast host checkpoints every live report, so a retry continues from the exact point its source failed at (the
  // default interval, 1 s, may keep an earlier checkpoint).
  [fast, slow] = await Promise.all([startSampleHost(['--IterationStreaming:Checkpoints:Interval=00:00:00']), startSampleHost(['--Demo:FileDelay=00:01:00'])]);
  api = createGenerationsClient({ baseUrl: fast.baseUrl, EventSource });
  slowApi = createGenerationsClient({ baseUrl: slow.baseUrl, EventSource });
}, { timeout: 300_000 });

after(async () => {
  closeAllWatches();
  await Promise.all([fast?.stop(), slow?.stop()]);
  await stopAllSampleHosts();
});

const request = { prompt: 'A task tracker API with users and tasks', entities: ['User', 'Task'] };
const fold = (events) => events.reduce((state, { id, event }) => applyEvent(state, event, { id }), initialProgress());
const stages = (events) => events.map(({ event }) => event.stage);

describe('watchGeneration', () => {
  test('watch_NewGeneration_DeliversEveryEventOnceInOrderAndEndsCompleted', { timeout }, async () => {
    const started = await api.start(request);

    const { events, reason, connections } = await collect((handlers) => api.watch(started, handlers));

    assert.equal(reason, 'completed');
    assert.deepEqual(events.map((e) => e.id), events.map((_, i) => i + 1));
    assert.equal(events.at(-1).event.status, 'completed');
    assert.deepEqual(connections.slice(0, 2), ['connecting', 'open']);
    assert.equal(connections.at(-1), 'closed');
    const state = fold(events);
    assert.deepEqual(state.phases.map((p) => [p.name, p.state]), [
      ['Core Infrastructure', 'done'], ['User Entity', 'done'], ['Task Entity', 'done'], ['Support Files', 'done'], ['Main Application', 'done'],
    ]);
    assert.equal(state.filesGenerated, 23);
    assert.equal(state.progress, 100);
  });

  test('watch_ConnectionDropsMidRun_ResumesWithLastEventIdAndMissesNothing', { timeout }, async () => {
    const started = await api.start(request);
    const dropping = droppingEventSource(5);

    const { events, reason, connections } = await collect((handlers) =>
      watchGeneration(started.stream_url, started.sse_token, handlers, { baseUrl: fast.baseUrl, EventSource: dropping.EventSource }));

    assert.equal(reason, 'completed');
    assert.deepEqual(events.map((e) => e.id), events.map((_, i) => i + 1), 'every event once, in order');
    assert.ok(connections.includes('reconnecting'));
    assert.equal(dropping.requests.length, 2);
    assert.equal(dropping.requests[0].lastEventId, null);
    assert.equal(dropping.requests[1].lastEventId, '5', 'the reconnect resumes after the last event received');
  });

  test('watch_FromTheTerminalEvent_EndsCompletedWithoutDeliveringItAgain', { timeout }, async () => {
    const started = await api.start(request);
    const first = await collect((handlers) => api.watch(started, handlers));
    const lastId = first.events.at(-1).id;

    const again = await collect((handlers) => api.watch(started, handlers, { lastEventId: lastId }));

    assert.equal(again.reason, 'completed');
    assert.equal(again.events.length, 0, 'the stream answered 204 and the page had the terminal event already');
    assert.equal(again.detail.status, 'completed');
  });

  test('watch_FromAnEarlierEventAfterTheEnd_ReplaysOnlyWhatFollows', { timeout }, async () => {
    const started = await api.start(request);
    const first = await collect((handlers) => api.watch(started, handlers));

    const again = await collect((handlers) => api.watch(started, handlers, { lastEventId: 10 }));

    assert.equal(again.reason, 'completed');
    assert.deepEqual(again.events.map((e) => e.id), first.events.slice(10).map((e) => e.id));
  });

  test('watch_ForgedToken_EndsUnauthorizedWithProblemDetails', { timeout }, async () => {
    const started = await api.start(request);

    const { reason, detail, events } = await collect((handlers) =>
      api.watch({ ...started, sse_token: `${started.sse_token.slice(0, -2)}xx` }, handlers));

    assert.equal(reason, 'unauthorized');
    assert.equal(events.length, 0);
    assert.equal(typeof detail.detail, 'string');
  });

  test('watch_TokenOfAnotherGeneration_EndsForbidden', { timeout }, async () => {
    const [one, other] = await Promise.all([api.start(request), api.start(request)]);

    const { reason } = await collect((handlers) => api.watch({ ...one, sse_token: other.sse_token }, handlers));

    assert.equal(reason, 'forbidden');
  });

  test('watch_CloseFunction_EndsClosedByClientOnce', { timeout }, async () => {
    const started = await slowApi.start(request);
    const ends = [];
    let open;
    const opened = new Promise((resolve) => { open = resolve; });

    const close = slowApi.watch(started, { onConnection: (s) => s === 'open' && open(), onEnd: (reason) => ends.push(reason) });
    await opened;
    close();
    close();

    assert.deepEqual(ends, ['closed_by_client']);
    await slowApi.cancel(started.generation_id, started.control_token ?? started.sse_token);
  });

  test('watchGeneration_WithoutStreamUrlOrToken_Throws', () => {
    assert.throws(() => watchGeneration('', 'token', {}, { EventSource }), TypeError);
    assert.throws(() => watchGeneration('/generations/x/stream', '', {}, { EventSource }), TypeError);
  });
});

describe('createGenerationsClient', () => {
  test('start_InvalidRequest_RejectsWithTheProblemDetails', { timeout }, async () => {
    const error = await api.start({ prompt: '' }).catch((e) => e);

    assert.ok(error instanceof GenerationApiError);
    assert.equal(error.status, 400);
    assert.match(error.message, /prompt/i);
  });

  test('start_NoServerAtTheAddress_RejectsSayingCorsOrUnreachableWithTheOriginAndCause', { timeout }, async () => {
    const closed = await closedPort();
    const nowhere = createGenerationsClient({ baseUrl: `http://127.0.0.1:${closed}`, EventSource });

    const error = await nowhere.start(request).catch((e) => e);

    assert.ok(error instanceof GenerationApiError);
    assert.equal(error.status, 0);
    assert.match(error.message, new RegExp(`^The request to http://127\\.0\\.0\\.1:${closed} was refused by CORS or the server is unreachable \\(.+\\)\\.$`));
    assert.equal(error.problem.detail, error.message);
    assert.ok(error.cause instanceof Error, 'the browser\'s own error is kept');
  });

  test('start_AnswersBothTokensAndTheUrls', { timeout }, async () => {
    const started = await api.start(request);

    assert.match(started.generation_id, /^[0-9a-f-]{36}$/);
    assert.equal(typeof started.sse_token, 'string');
    assert.equal(typeof started.control_token, 'string', 'the control token (iterate, cancel, retry)');
    assert.notEqual(started.control_token, started.sse_token);
    assert.equal(started.stream_url, `/generations/${started.generation_id}/stream`);
    await collect((handlers) => api.watch(started, handlers));
  });

  test('failedRun_FilesKeepThePartialResultAndCountsSayWhatWasNotSaved', { timeout }, async () => {
    const started = await api.start({ ...request, prompt: 'A task tracker [fail-always:phase=3]' });

    const { events, reason, detail } = await collect((handlers) => api.watch(started, handlers));
    const list = await api.files(started.generation_id, started.sse_token);

    assert.equal(reason, 'failed');
    assert.match(detail.error, /phase 3/);
    const state = fold(events);
    assert.deepEqual(state.phases.map((p) => p.state), ['done', 'done', 'failed', 'pending', 'pending']);
    assert.deepEqual(fileCounts(state, list.files), { saved: 9, fromParent: 0, written: 9, generated: 11, kept: 0, notSaved: 2 });
  });

  test('retry_AfterAFailure_ResumesFromTheSavedPhasesAndCompletes', { timeout }, async () => {
    const failed = await api.start({ ...request, prompt: 'A task tracker [fail:phase=3]' });
    await collect((handlers) => api.watch(failed, handlers));

    const retried = await api.retry(failed.generation_id, failed.control_token);
    const { events, reason } = await collect((handlers) => api.watch(retried, handlers));

    assert.equal(retried.retry_of, failed.generation_id);
    assert.notEqual(retried.generation_id, failed.generation_id);
    assert.equal(reason, 'completed');
    const names = stages(events);
    assert.ok(names.includes('resumed'));
    assert.ok(names.indexOf('resumed') < names.indexOf('phase_3_started'), 'resumed comes before the next phase');
    assert.ok(!names.some((s) => /^phase_[12]_/.test(s)), 'phases 1 and 2 are not generated again');
    const state = fold(events);
    // The demo failed phase 3 after its second file: the retry continues that phase from its checkpoint (the first file
    // kept, the second one's text as written), not from its start.
    const { midPhase } = state.resumed;
    assert.deepEqual(state.resumed, { message: state.resumed.message, phasesKept: 2, filesKept: 9, nextPhase: 3, midPhase });
    assert.deepEqual({ ...midPhase, chars: midPhase.chars > 0 }, { phase: 3, file: 'src/Repositories/TaskRepository.cs', chars: true, filesKept: 1 });
    assert.match(state.resumed.message, /^Phases 1.2 of generation \S+ kept \(9 files\), continuing with phase 3\. Phase 3 continues where it stopped: src\/Repositories\/TaskRepository\.cs at [\d,]+ characters \(1 file of the phase kept\)$/);
    assert.deepEqual(state.phases.map((p) => p.state), ['kept', 'kept', 'done', 'done', 'done']);
    const list = await api.files(retried.generation_id, retried.sse_token);
    assert.equal(list.files.length, 23);
  });

  test('retry_CompletedGeneration_RejectsWith409', { timeout }, async () => {
    const started = await api.start(request);
    await collect((handlers) => api.watch(started, handlers));

    const error = await api.retry(started.generation_id, started.control_token).catch((e) => e);

    assert.equal(error.status, 409);
  });

  test('cancel_RunningGeneration_EndsCancelledAndASecondCancelAnswersFalse', { timeout }, async () => {
    const started = await slowApi.start(request);
    let phaseOneStarted;
    const inPhaseOne = new Promise((resolve) => { phaseOneStarted = resolve; });
    const watching = collect((handlers) => slowApi.watch(started, {
      ...handlers,
      onEvent: (event, id) => {
        handlers.onEvent(event, id);
        if (event.stage === 'phase_1_started') phaseOneStarted();
      },
    }));
    await inPhaseOne;

    const cancelled = await slowApi.cancel(started.generation_id, started.control_token);
    const { reason, events } = await watching;
    const again = await slowApi.cancel(started.generation_id, started.control_token);

    assert.equal(cancelled, true);
    assert.equal(reason, 'cancelled');
    assert.equal(fold(events).phases[0].state, 'stopped');
    assert.equal(again, false);
  });

  test('cancel_WithTheReadToken_IsRefused', { timeout }, async () => {
    const started = await slowApi.start(request);

    const error = await slowApi.cancel(started.generation_id, started.sse_token).catch((e) => e);

    assert.ok(error instanceof GenerationApiError);
    assert.ok([401, 403].includes(error.status), `status ${error.status}`);
    await slowApi.cancel(started.generation_id, started.control_token);
  });

  test('iterate_WithTheParentsControlToken_KeepsTheParentsFilesAndCountsThem', { timeout }, async () => {
    const parent = await api.start(request);
    await collect((handlers) => api.watch(parent, handlers));

    const iteration = await api.iterate(parent.generation_id, 'Add user authentication', parent.control_token);
    const { events, reason } = await collect((handlers) => api.watch(iteration, handlers));
    const list = await api.files(iteration.generation_id, iteration.sse_token);

    assert.equal(reason, 'completed');
    const counts = fileCounts(fold(events), list.files);
    assert.deepEqual([counts.saved, counts.fromParent, counts.written, counts.generated], [28, 18, 10, 10]);
  });

  test('snapshot_OfAFinishedRun_RestoresThePhasesTheEndAndTheDuration', { timeout }, async () => {
    const started = await api.start(request);
    const { events } = await collect((handlers) => api.watch(started, handlers));

    const snapshot = await api.snapshot(started.generation_id, started.sse_token);
    const state = applySnapshot(initialProgress(), snapshot);

    assert.equal(state.status, 'completed');
    assert.equal(state.lastEventId, String(events.at(-1).id));
    assert.deepEqual(state.phases.map((p) => p.state), ['done', 'done', 'done', 'done', 'done']);
    assert.ok(state.endedAt >= state.startedAt);
  });

  test('readFile_ReadsTheTextWithTheTokenInTheHeaderAndStopsAtMaxBytes', { timeout }, async () => {
    const started = await api.start(request);
    await collect((handlers) => api.watch(started, handlers));

    const whole = await api.readFile(started.generation_id, 'src/Models/User.cs', started.sse_token);
    const start = await api.readFile(started.generation_id, 'src/Models/User.cs', started.sse_token, { maxBytes: 10 });

    assert.match(whole.text, /public sealed record User : Entity/);
    assert.equal(whole.truncated, false);
    assert.match(whole.contentType, /^text\/plain/);
    assert.equal(start.text, whole.text.slice(0, 10));
    assert.equal(start.truncated, true);
  });

  test('fileUrl_AndArchiveUrl_CarryTheReadTokenAndWork', { timeout }, async () => {
    const started = await api.start(request);
    await collect((handlers) => api.watch(started, handlers));

    const file = await fetch(api.fileUrl(started.generation_id, 'src/Models/User.cs', started.sse_token));
    const zip = await fetch(api.archiveUrl(started.generation_id, started.sse_token));

    assert.equal(file.status, 200);
    assert.equal(zip.status, 200);
    assert.equal(zip.headers.get('Content-Type'), 'application/zip');
  });
});

/** A loopback port nothing listens on (bound, read, released). */
function closedPort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}
