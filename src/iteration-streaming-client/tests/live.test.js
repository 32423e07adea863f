// The live texts: the exact text so far of the files of the phase in progress, rebuilt from `partial_output` deltas
// `{file, offset, text}`, with `GET /live` after a gap, a reload or a continued phase. Checked against a model of the
// server (support/live-server.js) at every event.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { applyLiveAnswer, applyLiveEvent, initialLiveState, liveNeedsSync } from '../index.js';
import { createLiveServer, random, randomRun } from './support/live-server.js';

const fold = (server, live = initialLiveState(), from = 0, to = server.events.length) => {
  let state = live;
  for (let id = from + 1; id <= to; id++) state = applyLiveEvent(state, server.events[id - 1], { id });
  return state;
};
const texts = (live) => ({ phase: live.phase, currentFile: live.currentFile, files: live.files });

describe('applyLiveEvent', () => {
  test('applyLiveEvent_DeltasOfTwoFiles_RebuildTheExactTextsAndMarkTheFirstComplete', () => {
    const server = createLiveServer();
    server.startPhase(1);
    server.report('a.ts', 'const a');
    server.report('a.ts', ' = 1;\n');
    server.yieldFile('a.ts', 'const a = 1;\n');
    server.report('b.ts', '😀 <b>');

    const live = fold(server);

    assert.deepEqual(texts(live), { phase: 1, currentFile: 'b.ts', files: { 'a.ts': { text: 'const a = 1;\n', complete: true }, 'b.ts': { text: '😀 <b>', complete: false } } });
    assert.equal(live.sync, null);
    assert.deepEqual(texts(live), server.textsAt(server.events.length));
  });

  test('applyLiveEvent_ADeltaLongerThan4096_SplitByTheServer_RebuildsItWhole', () => {
    const server = createLiveServer();
    server.startPhase(2);
    const text = `${'x'.repeat(4095)}😀${'y'.repeat(5000)}`;
    server.report('big.cs', text);

    const live = fold(server);

    assert.ok(server.events.length >= 4, 'split over several events');
    assert.equal(live.files['big.cs'].text, text);
  });

  test('applyLiveEvent_OffsetBelowTheKnownLengthWithTheSameText_KeepsTheTextAsItWas', () => {
    let live = initialLiveState();
    live = applyLiveEvent(live, { stage: 'phase_3_started', status: 'processing' }, { id: 1 });
    live = applyLiveEvent(live, delta(3, 'a.ts', 0, 'hello world'), { id: 2 });

    live = applyLiveEvent(live, delta(3, 'a.ts', 6, 'world, again'), { id: 3 });

    assert.equal(live.files['a.ts'].text, 'hello world, again', 'a resumed phase repeats the text after its checkpoint');
  });

  test('applyLiveEvent_FileWrittenAgainFromZero_ReplacesItsText', () => {
    let live = initialLiveState();
    live = applyLiveEvent(live, { stage: 'phase_3_started', status: 'processing' }, { id: 1 });
    live = applyLiveEvent(live, delta(3, 'a.ts', 0, 'old text'), { id: 2 });

    live = applyLiveEvent(live, delta(3, 'a.ts', 0, 'new'), { id: 3 });

    assert.equal(live.files['a.ts'].text, 'new');
  });

  test('applyLiveEvent_PhaseRegeneratedAfterARestart_StartsFromNothing', () => {
    const server = createLiveServer();
    server.startPhase(3);
    server.report('a.ts', 'first try');
    server.crash();
    server.resumed(3, { continues: false });
    server.startPhase(3);
    server.report('b.ts', 'second');

    const live = fold(server);

    assert.deepEqual(texts(live), { phase: 3, currentFile: 'b.ts', files: { 'b.ts': { text: 'second', complete: false } } });
    assert.equal(live.sync, null);
  });

  test('applyLiveEvent_Gap_AsksForLiveAndKeepsTheKnownText', () => {
    let live = initialLiveState();
    live = applyLiveEvent(live, { stage: 'phase_1_started', status: 'processing' }, { id: 1 });
    live = applyLiveEvent(live, delta(1, 'a.ts', 0, 'abc'), { id: 2 });

    live = applyLiveEvent(live, delta(1, 'a.ts', 10, 'xyz'), { id: 4 });

    assert.equal(liveNeedsSync(live), true);
    assert.equal(live.files['a.ts'].text, 'abc');
  });

  test('applyLiveEvent_PhaseCompleteAndCompleted_EndTheLiveTexts', () => {
    const server = createLiveServer();
    server.startPhase(1);
    server.report('a.ts', 'abc');
    server.yieldFile('a.ts', 'abc');
    const complete = server.completePhase();

    const afterPhase = fold(server);
    server.completed();
    const afterRun = fold(server);

    assert.deepEqual(texts(afterPhase), { phase: null, currentFile: null, files: {} });
    assert.equal(afterPhase.since, complete);
    assert.deepEqual(afterRun.recent, []);
  });

  test('applyLiveEvent_OldServerDeltasWithoutOffset_ChangeNoTextAndAskForNothing', () => {
    const server = createLiveServer();
    server.startPhase(1);
    server.oldFormat('Program.cs', 400);
    server.oldFormat('Program.cs', 1200);

    const live = fold(server);

    assert.deepEqual(live.files, {});
    assert.equal(live.sync, null);
  });

  test('applyLiveEvent_AnEventAtOrBeforeTheSequence_IsAlreadyInTheTexts', () => {
    let live = applyLiveAnswer(initialLiveState({ sync: 'needed' }), { sequence: 5, phase: 1, current_file: 'a.ts', files: [{ path: 'a.ts', text: 'abcdef', offset: 6, complete: false }] });

    live = applyLiveEvent(live, delta(1, 'a.ts', 3, 'XYZ'), { id: 5 });

    assert.equal(live.files['a.ts'].text, 'abcdef');
  });

  test('applyLiveEvent_HostileDeltas_AreIgnoredOrKeptAsText', () => {
    let live = applyLiveEvent(initialLiveState(), { stage: 'phase_1_started', status: 'processing' }, { id: 1 });
    const hostile = [
      delta(1, '', 0, 'x'), delta(1, 'a', -1, 'x'), delta(1, 'a', 1.5, 'x'), delta(1, 'a', 0, 42),
      { stage: 'phase_1_progress', status: 'processing', partial_output: 'text' }, null, 'event',
    ];
    hostile.forEach((e, i) => { live = applyLiveEvent(live, e, { id: i + 2 }); });
    live = applyLiveEvent(live, delta(1, '__proto__', 0, '<script>alert(1)</script>'), { id: 20 });

    assert.deepEqual(Object.keys(live.files), ['__proto__']);
    assert.equal(Object.getPrototypeOf(live.files), Object.prototype, 'a path never sets the prototype');
    assert.equal(live.files['__proto__'].text, '<script>alert(1)</script>');
  });
});

describe('applyLiveAnswer', () => {
  test('applyLiveAnswer_AfterAGap_ContinuesFromItsSequenceWithTheLaterDeltas', () => {
    const server = createLiveServer();
    server.startPhase(1);
    server.report('a.ts', 'one ');
    server.report('a.ts', 'two ');
    server.report('a.ts', 'three ');
    server.report('a.ts', 'four');
    // The watcher missed events 3 and 4 (ids 3..4); /live is read after it folded 5, and answers as of 3.
    let live = fold(server, initialLiveState(), 0, 2);
    live = applyLiveEvent(live, server.events[4], { id: 5 });
    assert.equal(liveNeedsSync(live), true);

    live = applyLiveAnswer(live, server.liveAt(4));

    assert.equal(live.sync, null);
    assert.equal(live.files['a.ts'].text, 'one two three four');
    assert.equal(live.sequence, 5);
  });

  test('applyLiveAnswer_OlderThanThePhaseTheEventsReached_IsNotTaken', () => {
    const server = createLiveServer();
    server.startPhase(1);
    server.report('a.ts', 'phase one');
    server.yieldFile('a.ts', 'phase one');
    server.completePhase();
    server.startPhase(2);
    let live = fold(server, initialLiveState({ sync: 'needed' }), 4);

    live = applyLiveAnswer(live, server.liveAt(2));

    assert.equal(live.phase, 2);
    assert.deepEqual(live.files, {});
    assert.equal(live.attempts, 1);
  });

  test('applyLiveAnswer_NoPhaseInProgress_LeavesNoTexts', () => {
    const live = applyLiveAnswer(initialLiveState({ sync: 'needed' }), { generation_id: 'g', status: 'awaiting_input', sequence: 12, files: [] });

    assert.deepEqual(texts(live), { phase: null, currentFile: null, files: {} });
    assert.equal(live.sync, null);
  });

  test('applyLiveAnswer_MalformedAnswer_KeepsTheState', () => {
    const live = initialLiveState({ sync: 'needed' });

    assert.equal(applyLiveAnswer(live, null), live);
    assert.equal(applyLiveAnswer(live, 'nope'), live);
    const odd = applyLiveAnswer(live, { sequence: 'x', phase: '2', files: [null, { path: 3 }, { path: 'a', text: 7, complete: 'yes' }] });
    assert.deepEqual(texts(odd), { phase: null, currentFile: null, files: { a: { text: null, complete: false } } });
  });

  test('applyLiveAnswer_DeletedFile_IsListedAsDeleted', () => {
    const live = applyLiveAnswer(initialLiveState({ sync: 'needed' }), { sequence: 3, phase: 1, files: [{ path: 'old.cs', offset: 0, complete: true, deleted: true }] });

    assert.deepEqual(live.files['old.cs'], { text: null, complete: true, deleted: true });
  });

  test('applyLiveEvent_ContinuedPhase_AsksForLiveAndTakesTheCheckpointState', () => {
    const server = createLiveServer();
    server.startPhase(3);
    server.report('a.ts', 'kept');
    server.yieldFile('a.ts', 'kept');
    server.report('b.ts', 'checkpointed');
    server.writeCheckpoint();
    server.report('b.ts', ' lost');
    server.report('c.ts', 'begun after the checkpoint');
    server.crash();
    server.resumed(3, { continues: true });
    const started = server.startPhase(3, { continued: true });
    let live = fold(server);
    assert.equal(liveNeedsSync(live), true);

    live = applyLiveAnswer(live, server.liveAt(started));
    server.report('b.ts', ' again');
    live = fold(server, live, started);

    assert.deepEqual(texts(live), server.textsAt(server.events.length));
    assert.equal(live.files['b.ts'].text, 'checkpointed again');
    assert.equal('c.ts' in live.files, false, 'a file begun after the checkpoint is not the phase\'s any more');
  });
});

describe('live texts, property', () => {
  // A watcher as watchGeneration drives it: folds each event, asks /live when the state says so, gets the answer as the
  // server had it at some moment after asking, delivered after some more events.
  const drive = (server, from, rng, onSynced) => {
    const total = server.events.length;
    let live = initialLiveState({ sync: from > 0 ? 'needed' : null });
    let pending = null;
    let maxAttempts = 0;
    const ask = (folded) => {
      if (pending || live.sync !== 'needed' || live.attempts >= 3) return;
      pending = { at: rng.int(folded, Math.min(total, folded + 6)), deliverAfter: rng.int(folded, Math.min(total, folded + 6)) };
    };
    const deliver = (folded) => {
      while (pending && pending.deliverAfter <= folded) {
        live = applyLiveAnswer(live, server.liveAt(Math.max(pending.at, folded === total ? total : pending.at)));
        maxAttempts = Math.max(maxAttempts, live.attempts);
        pending = null;
        ask(folded);
      }
    };
    ask(from);
    deliver(from);
    for (let id = from + 1; id <= total; id++) {
      live = applyLiveEvent(live, server.events[id - 1], { id });
      ask(id);
      deliver(id);
      if (!pending && live.sync === null) onSynced(id, live);
    }
    return { live, maxAttempts };
  };

  test('liveTexts_ReloadAtRandomPoints_EqualAWatcherFromTheStartAndTheServer', () => {
    let compared = 0;
    for (let seed = 1; seed <= 300; seed++) {
      const server = randomRun(seed);
      const rng = random(seed * 7919);
      const total = server.events.length;
      const fromStart = new Map();
      drive(server, 0, rng, (id, live) => fromStart.set(live.sequence, texts(live)));
      for (let reload = 0; reload < 3; reload++) {
        const from = rng.int(1, total - 1);
        const { maxAttempts } = drive(server, from, rng, (id, live) => {
          // The texts are the server's as of the last event in them (an answer may be ahead of the stream). Between a
          // crash and the continued phase's start the server holds no live phase yet: not compared there.
          const at = live.sequence;
          if (server.events[at - 1].stage === 'resumed') return;
          const expected = server.textsAt(at);
          assert.deepEqual(texts(live), expected, `seed ${seed}, reload after ${from}, at event ${id} (texts as of ${at})`);
          if (fromStart.has(at)) assert.deepEqual(fromStart.get(at), expected, `seed ${seed}: the watcher from the start, as of ${at}`);
          compared++;
        });
        assert.ok(maxAttempts <= 1, `seed ${seed}: an answer at or after what the watcher had folded closes every gap`);
      }
    }
    assert.ok(compared > 3000, `compared ${compared} states`);
  });
});

function delta(phase, file, offset, text) {
  return { generation_id: 'g-1', status: 'processing', stage: `phase_${phase}_progress`, current_file: file, partial_output: { file, offset, text, chars: offset + (text?.length ?? 0) } };
}
