// Review gates against the real sample host: a run that stops for its user, the input that answers it (sendInput, with
// the control token in the header), the refusals, and the state a page shows at a gate and after a reload.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { applyEvent, applySnapshot, createGenerationsClient, GenerationApiError, initialProgress } from '../index.js';
import { startSampleHost, stopAllSampleHosts } from './support/sample-host.js';
import { closeAllWatches, collect, EventSource } from './support/streams.js';
import { collectAnswering, firstGate } from './support/gates.js';

const timeout = 60_000;
let fast; // the demo generator at 5 ms per file
let slow; // one minute per file: a run stays in phase 1 until cancelled
let api;
let slowApi;

before(async () => {
  [fast, slow] = await Promise.all([startSampleHost(), startSampleHost(['--Demo:FileDelay=00:01:00'])]);
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
const control = (started) => ({ controlToken: started.control_token });

/** Waits until the run reached phase 1 on the slow host, then closes the watch (the run goes on). */
function inPhaseOne(started) {
  return new Promise((resolve) => {
    let close = null;
    close = slowApi.watch(started, {
      onEvent: (event) => {
        if (event.stage === 'phase_1_started') queueMicrotask(() => { close(); resolve(); });
      },
    });
  });
}

describe('review gates', () => {
  test('start_WithoutReview_EmitsNoGateEvents', { timeout }, async () => {
    const started = await api.start(request);

    const { events, reason } = await collect((handlers) => api.watch(started, handlers));

    assert.equal(reason, 'completed');
    assert.ok(!events.some(({ event }) => event.status === 'awaiting_input' || event.stage === 'input_received'));
  });

  test('start_WithThePlanReviewed_WaitsAtThePlanGateWithTheStreamOpenUntilApproved', { timeout }, async () => {
    const started = await api.start({ ...request, review: { plan: true } });
    let atGate = null;

    const { events, reason, answers } = await collectAnswering((handlers) => api.watch(started, handlers), (event) => {
      atGate = event;
      return api.sendInput(started.generation_id, { action: 'approve' }, control(started));
    });

    assert.equal(reason, 'completed');
    assert.equal(atGate.input_request.kind, 'plan');
    assert.deepEqual(atGate.input_request.phases.map((p) => p.name), ['Core Infrastructure', 'User Entity', 'Task Entity', 'Support Files', 'Main Application']);
    assert.ok(atGate.input_request.expires_at > atGate.timestamp, 'the gate says until when it waits');
    const names = stages(events);
    assert.deepEqual(names.filter((s) => s === 'awaiting_input' || s === 'input_received'), ['awaiting_input', 'input_received']);
    assert.ok(names.indexOf('input_received') < names.indexOf('phase_1_started'), 'nothing is generated before the approval');
    const [answer] = answers;
    assert.equal(answer.generation_id, started.generation_id);
    assert.equal(answer.action, 'approve');
    assert.ok(['processing', 'queued'].includes(answer.status), answer.status);
    assert.equal(answer.event_id, events.find(({ event }) => event.stage === 'input_received').id, 'the answer names the event it caused');
  });

  test('sendInput_RevisedPlanThenEditLockAndInstructAtAPhaseGate_EndsWithTheUsersFiles', { timeout }, async () => {
    const started = await api.start({ ...request, review: { plan: true, after_phases: [1] } });
    const edited = '{\n  "Edited": "by the user"\n}\n';
    const revised = [
      { name: 'Core Infrastructure' }, { name: 'User Entity', entities: ['User'] }, { name: 'Task Model', entities: ['Task'] }, { name: 'Main Application' },
    ];
    let listedAtGate = null;
    let lockedBefore = null;

    const { events, reason, answers } = await collectAnswering((handlers) => api.watch(started, handlers), async (event) => {
      const ask = event.input_request;
      if (ask.kind === 'plan') return api.sendInput(started.generation_id, { action: 'revise_plan', phases: revised }, control(started));
      lockedBefore = await api.readFile(started.generation_id, 'src/Infrastructure/Entity.cs', started.sse_token);
      const edit = await api.sendInput(started.generation_id, { action: 'edit_files', files: [{ path: 'appsettings.json', content: edited }] }, control(started));
      const lock = await api.sendInput(started.generation_id, { action: 'lock', paths: ['src/Infrastructure/Entity.cs'] }, control(started));
      const instruct = await api.sendInput(started.generation_id, { action: 'instruct', instruction: 'Use PostgreSQL' }, control(started));
      listedAtGate = (await api.files(started.generation_id, started.sse_token)).files;
      const approve = await api.sendInput(started.generation_id, { action: 'approve' }, control(started));
      return [edit, lock, instruct, approve];
    });

    assert.equal(reason, 'completed');
    const [plan, [edit, lock, instruct, approve]] = answers;
    assert.ok(['processing', 'queued'].includes(plan.status));
    assert.deepEqual([edit.status, lock.status, instruct.status], ['awaiting_input', 'awaiting_input', 'awaiting_input'], 'the run keeps waiting');
    assert.ok(['processing', 'queued'].includes(approve.status));
    assert.deepEqual(listedAtGate.find((f) => f.path === 'appsettings.json').written_by, 'user');
    assert.equal(listedAtGate.find((f) => f.path === 'src/Infrastructure/Entity.cs').locked, true);
    const state = fold(events);
    assert.deepEqual(state.phases.map((p) => [p.name, p.state]), revised.map((p) => [p.name, 'done']));
    assert.equal(state.inputRequest, null);
    const received = events.filter(({ event }) => event.stage === 'input_received');
    assert.equal(received.length, 5, 'one input_received per input');
    assert.match(received[0].event.message, /2 phases|4 phases/);
    const after = await api.readFile(started.generation_id, 'appsettings.json', started.sse_token);
    const locked = await api.readFile(started.generation_id, 'src/Infrastructure/Entity.cs', started.sse_token);
    assert.equal(after.text, edited);
    assert.equal(locked.text, lockedBefore.text);
  });

  test('snapshot_AtAGate_RestoresTheInputRequestForAReloadedPage', { timeout }, async () => {
    const started = await api.start({ ...request, review: { plan: true } });
    const gate = await firstGate((handlers) => api.watch(started, handlers));

    const snapshot = await api.snapshot(started.generation_id, started.sse_token);
    const state = applySnapshot(initialProgress(), snapshot);

    assert.equal(snapshot.status, 'awaiting_input');
    assert.equal(state.status, 'awaiting_input');
    assert.deepEqual(state.inputRequest, gate.event.input_request);
    assert.equal(state.lastEventId, String(gate.id));
    await api.sendInput(started.generation_id, { action: 'cancel' }, control(started));
  });

  test('sendInput_CancelAtAGate_EndsTheRunCancelled', { timeout }, async () => {
    const started = await api.start({ ...request, review: { plan: true } });

    const { reason, answers } = await collectAnswering((handlers) => api.watch(started, handlers),
      () => api.sendInput(started.generation_id, { action: 'cancel' }, control(started)));

    assert.equal(reason, 'cancelled');
    assert.equal(answers[0].status, 'cancelled');
  });

  test('sendInput_InstructWhileAPhaseRuns_IsAcceptedAndTheRunGoesOn', { timeout }, async () => {
    const started = await slowApi.start(request);
    await inPhaseOne(started);

    const answer = await slowApi.sendInput(started.generation_id, { action: 'instruct', instruction: 'Use PostgreSQL' }, control(started));

    assert.equal(answer.action, 'instruct');
    assert.equal(answer.status, 'processing');
    assert.equal(typeof answer.event_id, 'number');
    await slowApi.cancel(started.generation_id, started.control_token);
  });

  test('sendInput_ApproveWhileAPhaseRuns_RejectsWith409NamingTheStatus', { timeout }, async () => {
    const started = await slowApi.start(request);
    await inPhaseOne(started);

    const error = await slowApi.sendInput(started.generation_id, { action: 'approve' }, control(started)).catch((e) => e);

    assert.ok(error instanceof GenerationApiError);
    assert.equal(error.status, 409);
    assert.match(error.message, /processing/);
    await slowApi.cancel(started.generation_id, started.control_token);
  });

  test('sendInput_EditFilesAtThePlanGate_RejectsWith409', { timeout }, async () => {
    const started = await api.start({ ...request, review: { plan: true } });
    await firstGate((handlers) => api.watch(started, handlers));

    const error = await api.sendInput(started.generation_id, { action: 'edit_files', files: [{ path: 'a.txt', content: 'x' }] }, control(started)).catch((e) => e);

    assert.equal(error.status, 409);
    await api.sendInput(started.generation_id, { action: 'cancel' }, control(started));
  });

  test('sendInput_UnknownActionOrHostilePath_RejectsWith400NamingTheField', { timeout }, async () => {
    const started = await api.start({ ...request, review: { plan: true, after_phases: [1] } });
    const gate = await firstGate((handlers) => api.watch(started, handlers));
    await api.sendInput(started.generation_id, { action: 'approve' }, control(started));
    await firstGate((handlers) => api.watch(started, handlers, { lastEventId: gate.id }));

    const unknown = await api.sendInput(started.generation_id, { action: 'skip' }, control(started)).catch((e) => e);
    const hostile = await api.sendInput(started.generation_id, { action: 'edit_files', files: [{ path: '../../etc/passwd', content: 'x' }] }, control(started)).catch((e) => e);

    assert.equal(unknown.status, 400);
    assert.match(unknown.message, /'action'/, 'the detail names the field');
    assert.equal(hostile.status, 400);
    assert.match(JSON.stringify(hostile.problem), /path/i);
    await api.sendInput(started.generation_id, { action: 'cancel' }, control(started));
  });

  test('sendInput_WithTheReadToken_IsRefused', { timeout }, async () => {
    const started = await api.start({ ...request, review: { plan: true } });
    await firstGate((handlers) => api.watch(started, handlers));

    const error = await api.sendInput(started.generation_id, { action: 'approve' }, { controlToken: started.sse_token }).catch((e) => e);

    assert.ok([401, 403].includes(error.status), `status ${error.status}`);
    await api.sendInput(started.generation_id, { action: 'cancel' }, control(started));
  });

  test('sendInput_AfterTheRunEnded_RejectsWith409', { timeout }, async () => {
    const started = await api.start(request);
    await collect((handlers) => api.watch(started, handlers));

    const error = await api.sendInput(started.generation_id, { action: 'instruct', instruction: 'Too late' }, control(started)).catch((e) => e);

    assert.ok(error instanceof GenerationApiError, `accepted after the end: ${JSON.stringify(error)}`);
    assert.equal(error.status, 409);
    assert.match(error.message, /has ended \(status 'completed'\)/);
  });

  test('iterate_WithReview_StopsAtThePlanGate', { timeout }, async () => {
    const parent = await api.start(request);
    await collect((handlers) => api.watch(parent, handlers));

    const iteration = await api.iterate(parent.generation_id, 'Add user authentication', parent.control_token, { review: { plan: true } });
    const gate = await firstGate((handlers) => api.watch(iteration, handlers));

    assert.equal(gate.event.input_request.kind, 'plan');
    await api.sendInput(iteration.generation_id, { action: 'cancel' }, control(iteration));
  });

  test('retry_WithReview_StopsAfterTheChosenPhase', { timeout }, async () => {
    const failed = await api.start({ ...request, prompt: 'A task tracker [fail:phase=3]' });
    await collect((handlers) => api.watch(failed, handlers));

    const retried = await api.retry(failed.generation_id, failed.control_token, { review: { after_phases: [3] } });
    const gate = await firstGate((handlers) => api.watch(retried, handlers));

    assert.deepEqual([gate.event.input_request.kind, gate.event.input_request.phase], ['phase', 3]);
    await api.sendInput(retried.generation_id, { action: 'cancel' }, control(retried));
  });
});
