// The progress state folded from events and snapshots: phases, counts, resume, time, partial output, usage.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { applyEvent, applySnapshot, elapsedSeconds, fileCounts, formatDuration, initialProgress } from '../index.js';
import { event, gate, phaseInfo, plan, runToPhase3 } from './support/events.js';

const fold = (events, state = initialProgress()) => events.reduce((s, e, i) => applyEvent(s, e, { id: i + 1, receivedAt: e.timestamp }), state);
const timeline = (state) => state.phases.map((p) => `${p.phase}:${p.state}:${p.files ?? '-'}`);

describe('applyEvent', () => {
  test('applyEvent_PlanAnnounced_ListsEveryPhasePending', () => {
    const state = fold(runToPhase3().slice(0, 3));

    assert.deepEqual(state.phases.map((p) => [p.name, p.state]), plan.map((p) => [p.name, 'pending']));
    assert.equal(state.totalPhases, 5);
  });

  test('applyEvent_MidRun_MarksDoneCurrentAndPendingWithFileCounts', () => {
    const state = fold(runToPhase3());

    assert.deepEqual(timeline(state), ['1:done:5', '2:done:4', '3:current:1', '4:pending:-', '5:pending:-']);
    assert.equal(state.currentPhase, 3);
    assert.equal(state.filesGenerated, 10);
    assert.equal(state.currentFile, 'src/Models/Task.cs');
    assert.equal(state.lastEventId, '10');
  });

  test('applyEvent_OldServerWithoutThePlan_ListsNumberedPhasesFromTotalPhases', () => {
    const events = runToPhase3().map((e) => ({ ...e, phase_info: e.phase_info && { ...e.phase_info, phases: undefined } }));

    const state = fold(events);

    assert.deepEqual(state.phases.map((p) => [p.phase, p.state]), [[1, 'done'], [2, 'done'], [3, 'current'], [4, 'pending'], [5, 'pending']]);
    assert.equal(state.phases[0].name, 'Core Infrastructure', 'names come from the phase events');
    assert.equal(state.phases[4].name, null);
  });

  test('applyEvent_ProgressGoingBack_KeepsTheHighestPercentage', () => {
    const state = fold([event('phase_1_started', { progress: 0.3 }), event('phase_1_progress', { progress: 0.05 })]);

    assert.equal(state.progress, 30);
  });

  test('applyEvent_Failed_MarksTheRunningPhaseFailedAndKeepsTheError', () => {
    const state = fold([...runToPhase3(), event('error', { status: 'failed', error: 'The model gave up', message: 'failed' })]);

    assert.deepEqual(timeline(state), ['1:done:5', '2:done:4', '3:failed:1', '4:pending:-', '5:pending:-']);
    assert.equal(state.error, 'The model gave up');
    assert.equal(state.eta, null);
    assert.ok(state.endedAt > state.startedAt);
  });

  test('applyEvent_Cancelled_MarksTheRunningPhaseStopped', () => {
    const state = fold([...runToPhase3(), event('cancelled', { status: 'cancelled' })]);

    assert.equal(state.phases[2].state, 'stopped');
    assert.equal(state.error, null);
  });

  test('applyEvent_Resumed_MarksTheKeptPhasesAndSaysWhatWasKept', () => {
    const resumed = event('resumed', {
      message: 'Retrying generation g-0: phases 1\u20132 kept (9 files), continuing with phase 3',
      phase_info: { ...phaseInfo(3), total_files: 9, phases: plan },
    });

    const state = fold([event('queued', { status: 'queued' }), event('phased_generation_started', { phase_info: { total_phases: 5, phases: plan } }), resumed,
      event('phase_3_started', { phase_info: phaseInfo(3, { total_files: 9 }) })]);

    assert.deepEqual(timeline(state), ['1:kept:-', '2:kept:-', '3:current:0', '4:pending:-', '5:pending:-']);
    assert.deepEqual(state.resumed, { message: resumed.message, phasesKept: 2, filesKept: 9, nextPhase: 3, midPhase: null });
  });

  test('applyEvent_ResumedMidPhase_SaysWhereThePhaseContinues', () => {
    const resumed = event('resumed', {
      message: 'Resumed after a restart: phases 1–2 kept (9 files), continuing with phase 3. Phase 3 continues where it stopped: src/a.ts at 1,234 characters (2 files of the phase kept)',
      phase_info: { ...phaseInfo(3), total_files: 9, phases: plan },
      resumed_mid_phase: { phase: 3, file: 'src/a.ts', chars: 1234, files_kept: 2 },
    });

    const state = fold([resumed]);

    assert.deepEqual(state.resumed.midPhase, { phase: 3, file: 'src/a.ts', chars: 1234, filesKept: 2 });
  });

  test('applyEvent_ResumedMidPhaseBetweenFilesOrMalformed_KeepsWhatItCanRead', () => {
    const between = fold([event('resumed', { resumed_mid_phase: { phase: 3, chars: 0, files_kept: 4 } })]);
    const malformed = fold([event('resumed', { resumed_mid_phase: { phase: 'three', file: 12 } })]);

    assert.deepEqual(between.resumed.midPhase, { phase: 3, file: null, chars: 0, filesKept: 4 });
    assert.equal(malformed.resumed.midPhase, null);
  });

  test('applyEvent_ResumedWithEveryPhaseSaved_KeepsThemAll', () => {
    const state = fold([event('resumed', { phase_info: { total_phases: 5, current_phase: 5, total_files: 20, phases: plan } })]);

    assert.equal(state.resumed.phasesKept, 5);
    assert.equal(state.resumed.nextPhase, null);
    assert.ok(state.phases.every((p) => p.state === 'kept'));
  });

  test('applyEvent_PartialOutputWithFileAndChars_ShowsTheFileGrowingUntilItIsYielded', () => {
    const writing = (chars) => event('phase_1_progress', { current_file: 'Program.cs', partial_output: { file: 'Program.cs', chars }, phase_info: phaseInfo(1) });

    const growing = fold([writing(120), writing(480)]);
    const yielded = applyEvent(growing, event('phase_1_progress', { current_file: 'Program.cs', partial_output: { lines: 12 }, phase_info: phaseInfo(1, { files_generated: 1 }) }));

    assert.deepEqual(growing.writing, { file: 'Program.cs', chars: 480 });
    assert.equal(yielded.writing, null);
    assert.equal(yielded.currentFile, 'Program.cs');
  });

  test('applyEvent_CompletedWithUsage_KeepsTheTokenUsage', () => {
    const state = fold([...runToPhase3(), event('completed', { status: 'completed', progress: 1, partial_output: { usage: { input_tokens: 1200, output_tokens: 3400 } } })]);

    assert.deepEqual(state.usage, { inputTokens: 1200, outputTokens: 3400 });
    assert.equal(state.progress, 100);
    assert.ok(state.phases.every((p) => p.state === 'done'));
  });

  test('applyEvent_CompletedWithCost_KeepsTheCostBesideTheUsage', () => {
    const state = fold([event('completed', { status: 'completed', progress: 1, partial_output: { usage: { input_tokens: 10, output_tokens: 20 }, cost: { amount: 0.5, currency: 'EUR' } } })]);

    assert.deepEqual(state.cost, { amount: 0.5, currency: 'EUR' });
  });

  test('applyEvent_CompletedWithoutUsage_LeavesUsageEmpty', () => {
    const state = fold([event('completed', { status: 'completed', progress: 1, partial_output: { quality: { passed: true } } })]);

    assert.equal(state.usage, null);
  });

  test('applyEvent_DataLossWarning_KeepsTheMissingFiles', () => {
    const state = fold([event('validation', { warning_type: 'data_loss_detection', message: 'Expected ~20 files, got 24', parent_file_count: 20, new_file_count: 24, missing_files: ['Dockerfile'] })]);

    assert.deepEqual(state.warning, { type: 'data_loss_detection', message: 'Expected ~20 files, got 24', missingFiles: ['Dockerfile'], parentFileCount: 20, newFileCount: 24 });
  });

  test('applyEvent_MalformedEvents_AreIgnoredOrReadDefensively', () => {
    const start = initialProgress();

    assert.equal(applyEvent(start, null), start);
    assert.equal(applyEvent(start, 'text'), start);
    const odd = applyEvent(start, { status: 'processing', stage: 'phase_x_started', progress: 'high', phase_info: { phases: 'none', total_phases: -1 } });
    assert.equal(odd.progress, 0);
    assert.deepEqual(odd.phases, []);
  });

  test('applyEvent_DoesNotChangeTheStateItIsGiven', () => {
    const before = fold(runToPhase3().slice(0, 4));
    const copy = structuredClone(before);

    applyEvent(before, runToPhase3()[4]);

    assert.deepEqual(before, copy);
  });
});

describe('review gates', () => {
  const start = () => runToPhase3().slice(0, 3);

  test('applyEvent_PlanGate_ShowsTheRequestAndKeepsTheRunOpen', () => {
    const state = fold([...start(), gate('plan')]);

    assert.equal(state.status, 'awaiting_input');
    assert.equal(state.stage, 'awaiting_input');
    assert.equal(state.inputRequest.kind, 'plan');
    assert.deepEqual(state.inputRequest.phases, plan);
    assert.equal(state.eta, null, 'no time left to show while the run waits');
    assert.equal(state.endedAt, null, 'a gate is not an end');
    assert.ok(state.phases.every((p) => p.state === 'pending'));
  });

  test('applyEvent_RevisedPlanReceived_ClearsTheRequestAndShowsTheNewPlan', () => {
    const revised = [{ phase: 1, name: 'Core' }, { phase: 2, name: 'Task Entity' }];

    const state = fold([...start(), gate('plan'), event('input_received', {
      message: 'Plan revised: 2 phases', phase_info: { total_phases: 2, current_phase: 0, phases: revised },
    })]);

    assert.equal(state.status, 'processing');
    assert.equal(state.inputRequest, null);
    assert.deepEqual(state.phases.map((p) => [p.name, p.state]), [['Core', 'pending'], ['Task Entity', 'pending']]);
    assert.equal(state.totalPhases, 2);
  });

  test('applyEvent_PhaseGate_KeepsTheSavedPhaseDoneAndTheRestPending', () => {
    const state = fold([...runToPhase3().slice(0, 6), gate('phase', { phase: 1 })]);

    assert.deepEqual(state.inputRequest, { kind: 'phase', phase: 1, phases: plan, expires_at: state.inputRequest.expires_at });
    assert.deepEqual(timeline(state), ['1:done:5', '2:pending:-', '3:pending:-', '4:pending:-', '5:pending:-']);
  });

  test('applyEvent_InputReceivedWhileStillWaiting_KeepsTheRequest', () => {
    const waiting = gate('phase', { phase: 1 });

    const state = fold([...runToPhase3().slice(0, 6), waiting, event('input_received', {
      status: 'awaiting_input', message: '2 files edited', input_request: waiting.input_request,
    })]);

    assert.equal(state.status, 'awaiting_input');
    assert.equal(state.message, '2 files edited');
    assert.deepEqual(state.inputRequest, waiting.input_request);
  });

  test('applyEvent_GateThenCancelled_EndsWithoutARequest', () => {
    const state = fold([...start(), gate('plan'), event('cancelled', { status: 'cancelled', message: 'Cancelled: nobody answered the review within 24 hours' })]);

    assert.equal(state.status, 'cancelled');
    assert.equal(state.inputRequest, null);
    assert.ok(state.endedAt !== null);
  });

  test('applyEvent_AwaitingInputWithoutARequestOrWithAMalformedOne_HasNoRequest', () => {
    const bare = fold([...start(), event('awaiting_input', { status: 'awaiting_input' })]);
    const odd = fold([...start(), event('awaiting_input', { status: 'awaiting_input', input_request: 'plan' })]);

    assert.equal(bare.inputRequest, null);
    assert.equal(odd.inputRequest, null);
  });

  test('applyEvent_RequestOnAProcessingEvent_IsNotARequest', () => {
    const state = fold([...start(), event('phase_1_started', { input_request: { kind: 'plan', phases: plan, expires_at: 1 }, phase_info: phaseInfo(1) })]);

    assert.equal(state.inputRequest, null);
  });

  test('applySnapshot_RunWaitingAtAGate_RestoresTheRequestFromTheLastEvent', () => {
    const waiting = gate('phase', { phase: 2 });
    const snapshot = {
      generation_id: 'g-1', status: 'awaiting_input', last_event_id: 14, last_event: waiting, file_count: 9, total_bytes: 3000,
      phases: plan, phases_saved: 2, created_at: '2027-01-15T08:00:00Z',
    };

    const state = applySnapshot(initialProgress(), snapshot);

    assert.equal(state.status, 'awaiting_input');
    assert.deepEqual(state.inputRequest, waiting.input_request);
    assert.deepEqual(state.phases.map((p) => p.state), ['done', 'done', 'pending', 'pending', 'pending']);
    assert.equal(state.endedAt, null);
  });
});

describe('applySnapshot', () => {
  const snapshot = (fields) => ({
    generation_id: 'g-1',
    status: 'failed',
    last_event_id: 31,
    last_event: { generation_id: 'g-1', status: 'failed', stage: 'error', progress: 0.45, message: 'failed', error: 'gave up', timestamp: 1_800_000_100 },
    file_count: 9,
    total_bytes: 3000,
    phases: plan,
    phases_saved: 2,
    created_at: '2027-01-15T08:00:00Z',
    ended_at: '2027-01-15T08:00:42.500Z',
    ...fields,
  });

  test('applySnapshot_FailedRun_ShowsSavedPhasesDoneAndTheNextOneFailed', () => {
    const state = applySnapshot(initialProgress(), snapshot());

    assert.deepEqual(state.phases.map((p) => p.state), ['done', 'done', 'failed', 'pending', 'pending']);
    assert.equal(state.status, 'failed');
    assert.equal(state.error, 'gave up');
    assert.equal(state.lastEventId, '31');
    assert.equal(elapsedSeconds(state), 42.5);
  });

  test('applySnapshot_RunningRetry_KeepsRetryOfAndHasNoEnd', () => {
    const state = applySnapshot(initialProgress(), snapshot({ status: 'processing', retry_of: 'g-0', ended_at: undefined, last_event: { ...snapshot().last_event, status: 'processing', stage: 'phase_3_progress', phase_info: phaseInfo(3, { files_generated: 1 }) } }));

    assert.equal(state.retryOf, 'g-0');
    assert.equal(state.endedAt, null);
    assert.deepEqual(state.phases.map((p) => p.state), ['done', 'done', 'current', 'pending', 'pending']);
  });

  test('applySnapshot_BudgetStop_ShowsSpendAgainstTheBudgetAndTheStage', () => {
    const state = applySnapshot(initialProgress(), snapshot({
      last_event: { ...snapshot().last_event, stage: 'budget_exceeded', error: 'Budget exceeded: 2,140 output tokens used of 2,000 allowed' },
      usage: { input_tokens: 900, output_tokens: 2140, total_tokens: 3040 },
      cost: { amount: 0.0123, currency: 'USD' },
      budget: { max_output_tokens: 2000 },
    }));

    assert.equal(state.stage, 'budget_exceeded');
    assert.equal(state.error, 'Budget exceeded: 2,140 output tokens used of 2,000 allowed');
    assert.deepEqual(state.usage, { inputTokens: 900, outputTokens: 2140 });
    assert.deepEqual(state.cost, { amount: 0.0123, currency: 'USD' });
    assert.deepEqual(state.budget, { max_output_tokens: 2000 });
  });

  test('applySnapshot_WithoutBudget_KeepsTheOneTheStateHad', () => {
    const state = applySnapshot(initialProgress({ budget: { max_total_tokens: 5000 } }), snapshot());

    assert.deepEqual(state.budget, { max_total_tokens: 5000 });
    assert.equal(state.cost, null);
  });

  test('applySnapshot_NothingEmittedYet_KeepsTheInitialState', () => {
    const state = applySnapshot(initialProgress(), { generation_id: 'g-1', status: 'queued', last_event_id: 0, file_count: 0, total_bytes: 0 });

    assert.equal(state.status, 'pending');
    assert.equal(state.lastEventId, null);
  });
});

describe('time and counts', () => {
  test('elapsedSeconds_WhileRunning_UsesTheServerClockThroughTheOffset', () => {
    // The browser's clock is 100 s ahead of the server's.
    let state = applyEvent(initialProgress(), event('queued', { timestamp: 1000 }), { receivedAt: 1100 });
    state = applyEvent(state, event('initializing', { timestamp: 1005 }), { receivedAt: 1105 });

    assert.equal(elapsedSeconds(state, 1112), 12);
  });

  test('elapsedSeconds_BeforeAnyEvent_IsNull', () => {
    assert.equal(elapsedSeconds(initialProgress()), null);
  });

  test('fileCounts_FailedRun_SaysHowManyWereSavedAndHowManyWereLost', () => {
    const state = fold([...runToPhase3(), event('phase_3_progress', { phase_info: phaseInfo(3, { total_files: 11 }) }), event('error', { status: 'failed' })]);
    const files = Array.from({ length: 9 }, (_, i) => ({ path: `f${i}`, phase: i < 5 ? 1 : 2 }));

    assert.deepEqual(fileCounts(state, files), { saved: 9, fromParent: 0, written: 9, generated: 11, kept: 0, notSaved: 2 });
  });

  test('fileCounts_Iteration_SplitsParentFilesFromWrittenOnes', () => {
    const state = fold([event('phase_5_complete', { phase_info: phaseInfo(5, { total_files: 10 }) }), event('completed', { status: 'completed', progress: 1 })]);
    const files = [...Array.from({ length: 15 }, (_, i) => ({ path: `p${i}`, phase: 0 })), ...Array.from({ length: 10 }, (_, i) => ({ path: `n${i}`, phase: 1 + (i % 5) }))];

    assert.deepEqual(fileCounts(state, files), { saved: 25, fromParent: 15, written: 10, generated: 10, kept: 0, notSaved: 0 });
  });

  test('formatDuration_FormatsSecondsMinutesAndHours', () => {
    assert.equal(formatDuration(null), '');
    assert.equal(formatDuration(Number.NaN), '');
    assert.equal(formatDuration(-3), '0 s');
    assert.equal(formatDuration(42.4), '42 s');
    assert.equal(formatDuration(65), '1 min 05 s');
    assert.equal(formatDuration(3720), '1 h 02 min');
  });
});
