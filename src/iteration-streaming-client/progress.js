// A generation's progress as one plain object, folded from its events (and, after a reload, its snapshot).
// Pure functions: the page, the React hook and the Vue composable all render from the same state.
//
//   let state = initialProgress();
//   state = applyEvent(state, event, { id });      // each StreamingProgressEvent, in order
//   state.phases  // [{ phase: 1, name: 'Core Infrastructure', state: 'done', files: 5 }, { phase: 2, ..., state: 'current' }, ...]

import { isTerminalStatus } from './watch.js';

const PHASE_STAGE = /^phase_(\d+)_(started|progress|complete)$/;

/**
 * The state before any event. `progress` is a percentage (0–100), as in the guide's hook; every time is in Unix
 * seconds of the server's clock.
 */
export function initialProgress(init = {}) {
  return {
    generationId: init.generationId ?? null,
    parentGenerationId: init.parentGenerationId ?? null,
    retryOf: init.retryOf ?? null,
    status: 'pending',
    stage: null,
    progress: 0,
    message: '',
    eta: null,
    phaseInfo: null,
    phases: [],
    totalPhases: null,
    currentPhase: null,
    filesGenerated: 0,
    resumed: null,
    currentFile: null,
    writing: null,
    usage: null,
    cost: null,
    budget: init.budget ?? null,
    warning: null,
    inputRequest: null,
    live: null,
    error: null,
    startedAt: null,
    endedAt: null,
    clockOffset: 0,
    lastEventId: null,
  };
}

/**
 * The state after one event.
 * @param {object} state     The state so far (not changed).
 * @param {object} event     A StreamingProgressEvent (snake_case, as on the wire).
 * @param {{id?: string|number|null, receivedAt?: number}} [meta]  The SSE id; when it arrived (Unix seconds, this clock).
 */
export function applyEvent(state, event, meta = {}) {
  if (!event || typeof event !== 'object') return state;
  const receivedAt = meta.receivedAt ?? Date.now() / 1000;
  const next = { ...state };
  const status = typeof event.status === 'string' ? event.status : state.status;
  const stage = typeof event.stage === 'string' ? event.stage : null;
  const info = event.phase_info && typeof event.phase_info === 'object' ? event.phase_info : null;

  next.generationId = event.generation_id ?? state.generationId;
  next.status = status;
  next.stage = stage;
  if (Number.isFinite(event.progress)) next.progress = Math.max(state.progress, clamp(event.progress * 100, 0, 100));
  next.message = typeof event.message === 'string' ? event.message : '';
  next.eta = status === 'processing' && Number.isFinite(event.estimated_time_remaining) ? event.estimated_time_remaining : null;
  if (meta.id != null && meta.id !== '') next.lastEventId = String(meta.id);

  if (Number.isFinite(event.timestamp)) {
    next.startedAt = state.startedAt ?? event.timestamp;
    next.clockOffset = event.timestamp - receivedAt;
    if (isTerminalStatus(status)) next.endedAt = event.timestamp;
  }

  // At a review gate the run waits for its user: the request stays until an event says otherwise (every event at a
  // gate, input_received included, carries it again), so a page shows it after a reload from the last event alone.
  const request = event.input_request;
  next.inputRequest = status === 'awaiting_input' && request && typeof request === 'object' ? request : null;

  let phases = state.phases;
  if (info) {
    next.phaseInfo = info;
    if (Number.isInteger(info.total_phases)) next.totalPhases = info.total_phases;
    if (Number.isInteger(info.current_phase)) next.currentPhase = info.current_phase;
    if (Number.isInteger(info.total_files)) next.filesGenerated = info.total_files;
    if (Array.isArray(info.phases)) {
      phases = fromPlan(info.phases, phases);
    } else if (phases.length === 0 && next.totalPhases > 0) {
      phases = Array.from({ length: next.totalPhases }, (_, i) => ({ phase: i + 1, name: null, state: 'pending', files: null }));
    }
  }
  if (!Array.isArray(info?.phases) && Array.isArray(next.inputRequest?.phases)) {
    // The plan as it stands at a gate (a revised plan shows here first when the event has no phase_info).
    phases = fromPlan(next.inputRequest.phases, phases);
    next.totalPhases = phases.length;
  }

  const match = stage ? PHASE_STAGE.exec(stage) : null;
  if (match) {
    const number = Number(match[1]);
    const done = match[2] === 'complete';
    phases = ensurePhase(phases, number, info?.name);
    phases = phases.map((p) => {
      if (p.phase === number) {
        return { ...p, name: p.name ?? info?.name ?? null, state: done ? 'done' : 'current', files: info?.files_generated ?? (done ? p.files : p.files ?? 0) };
      }
      // A phase before this one that was still shown running has ended (its complete event was missed).
      return p.phase < number && p.state === 'current' ? { ...p, state: 'done' } : p;
    });
  } else if (stage === 'resumed') {
    // phase_info.phase is the phase it continues with; none when every phase was saved.
    const resumeAt = Number.isInteger(info?.phase) ? info.phase : null;
    const isKept = (p) => resumeAt === null || p.phase < resumeAt;
    phases = phases.map((p) => (isKept(p) && p.state !== 'done' ? { ...p, state: 'kept' } : p));
    next.resumed = {
      message: next.message,
      phasesKept: resumeAt === null ? next.totalPhases ?? phases.length : resumeAt - 1,
      filesKept: Number.isInteger(info?.total_files) ? info.total_files : 0,
      nextPhase: resumeAt,
      midPhase: midPhaseOf(event.resumed_mid_phase),
    };
  }

  // What the generator is writing now: `partial_output: {file, chars}` grows while a file is written; the next event
  // without it (the one that yields the file) ends it.
  const partial = event.partial_output;
  next.writing = partial && typeof partial.file === 'string' && Number.isFinite(partial.chars)
    ? { file: partial.file, chars: partial.chars }
    : null;
  next.currentFile = typeof event.current_file === 'string'
    ? event.current_file
    : (match?.[2] === 'progress' ? state.currentFile : null);

  if (event.warning_type) {
    next.warning = {
      type: event.warning_type,
      message: next.message,
      missingFiles: Array.isArray(event.missing_files) ? event.missing_files : [],
      parentFileCount: event.parent_file_count ?? null,
      newFileCount: event.new_file_count ?? null,
    };
  }

  if (status === 'completed') {
    phases = phases.map((p) => (p.state === 'kept' ? p : { ...p, state: 'done' }));
    const usage = partial?.usage;
    if (usage && Number.isFinite(usage.input_tokens) && Number.isFinite(usage.output_tokens)) {
      next.usage = { inputTokens: usage.input_tokens, outputTokens: usage.output_tokens };
    }
    next.cost = costOf(partial?.cost) ?? state.cost;
    next.currentFile = null;
  } else if (status === 'failed' || status === 'cancelled') {
    phases = endPhases(phases, status === 'failed' ? 'failed' : 'stopped');
    next.error = status === 'failed' ? (event.error ?? event.message ?? null) : state.error;
    next.currentFile = null;
  }

  next.phases = phases;
  return next;
}

/**
 * The state from a snapshot (`GET /generations/{id}`): its plan with the saved phases done, then its last event.
 * A page that reloads shows this, then watches the stream after `last_event_id`.
 */
export function applySnapshot(state, snapshot, meta = {}) {
  if (!snapshot || typeof snapshot !== 'object') return state;
  const saved = Number.isInteger(snapshot.phases_saved) ? snapshot.phases_saved : 0;
  let next = {
    ...initialProgress({
      generationId: snapshot.generation_id ?? state.generationId,
      parentGenerationId: snapshot.parent_generation_id ?? state.parentGenerationId,
      retryOf: snapshot.retry_of ?? state.retryOf,
    }),
    resumed: state.resumed,
    live: state.live,
  };
  if (Array.isArray(snapshot.phases)) {
    next.phases = snapshot.phases.map((p, i) => ({ phase: p.phase, name: p.name ?? null, state: i < saved ? 'done' : 'pending', files: null }));
    next.totalPhases = snapshot.phases.length;
  }
  if (snapshot.last_event) {
    next = applyEvent(next, snapshot.last_event, { id: snapshot.last_event_id, receivedAt: meta.receivedAt });
    if ((next.status === 'failed' || next.status === 'cancelled') && !next.phases.some((p) => p.state === 'failed' || p.state === 'stopped')) {
      // The terminal event names no phase: the one after the saved ones is where the run stopped.
      next.phases = next.phases.map((p, i) => (i === saved ? { ...p, state: next.status === 'failed' ? 'failed' : 'stopped' } : p));
    }
  }
  // Spend so far, and the budget it is held to: a page shows "used of allowed" from here after a reload.
  const usage = snapshot.usage;
  if (usage && Number.isFinite(usage.input_tokens) && Number.isFinite(usage.output_tokens)) {
    next.usage = { inputTokens: usage.input_tokens, outputTokens: usage.output_tokens };
  }
  next.cost = costOf(snapshot.cost) ?? next.cost;
  if (snapshot.budget && typeof snapshot.budget === 'object') next.budget = snapshot.budget;
  else if (state.budget) next.budget = state.budget;
  const created = Date.parse(snapshot.created_at ?? '');
  const ended = Date.parse(snapshot.ended_at ?? '');
  if (Number.isFinite(created)) next.startedAt = created / 1000;
  if (Number.isFinite(ended)) next.endedAt = ended / 1000;
  if (Number.isInteger(snapshot.last_event_id) && snapshot.last_event_id > 0) next.lastEventId = String(snapshot.last_event_id);
  return next;
}

/**
 * The state of a multiplexed watch (watchMany) before any event: `generations` maps each generation id to its progress
 * state (the single-stream state, plus `event`: its latest event, and `ended`: its terminal event arrived), in the order
 * they were named or first heard of.
 * @param {string[]} [ids]  The watch set's ids (each starts as 'pending'); none for an owner stream.
 */
export function initialWatchManyState(ids = []) {
  const generations = new Map();
  for (const id of ids) generations.set(id, initialMember(id));
  return { generations, connection: 'idle', cursor: null, ended: null, error: null };
}

/**
 * The multiplexed state after one event: only its generation's entry changes (a new Map, so a framework sees the change),
 * folded as the single-stream state is (progress never goes back). An event without `generation_id`, or one for a
 * generation whose terminal event was already applied, leaves the state as it is.
 * @param {object} state  The state so far (not changed).
 * @param {object} event  A member's StreamingProgressEvent.
 * @param {{id?: string|null, receivedAt?: number}} [meta]  The stream's cursor (`id:`); when it arrived.
 */
export function applyWatchManyEvent(state, event, meta = {}) {
  const id = event?.generation_id;
  if (typeof id !== 'string' || id === '') return state;
  const member = state.generations.get(id) ?? initialMember(id);
  if (member.ended) return state;
  // The cursor names the whole set's position, not this generation's: the member keeps no lastEventId of its own.
  const folded = applyEvent(member, event, { receivedAt: meta.receivedAt });
  const generations = new Map(state.generations);
  generations.set(id, { ...folded, event, ended: isTerminalStatus(folded.status) });
  return { ...state, generations, cursor: meta.id != null && meta.id !== '' ? String(meta.id) : state.cursor };
}

function initialMember(id) {
  return { ...initialProgress({ generationId: id }), event: null, ended: false };
}

/** Seconds since the run started (the server's clock, so a skewed browser clock does not matter); its duration once ended. */
export function elapsedSeconds(state, now = Date.now() / 1000) {
  if (state.startedAt == null) return null;
  const end = state.endedAt ?? now + state.clockOffset;
  return Math.max(0, end - state.startedAt);
}

/**
 * The numbers behind a labelled file count, each with one meaning.
 * @param {object} state  The progress state.
 * @param {Array<{path: string, phase: number}>} files  The saved files (`GET /generations/{id}/files`).
 * @returns {{saved: number, fromParent: number, written: number, generated: number, kept: number, notSaved: number}}
 *   saved: files on record now; fromParent: carried over from the parent unchanged (phase 0); written: saved files this
 *   generation wrote (saved − fromParent); generated: files the run produced (`total_files`, kept phases included);
 *   kept: files of phases a resume or retry kept; notSaved: generated in the phase that failed or was cancelled, lost.
 */
export function fileCounts(state, files = []) {
  const saved = files.length;
  const fromParent = files.filter((f) => f.phase === 0).length;
  const written = saved - fromParent;
  const generated = state.filesGenerated ?? 0;
  const kept = state.resumed?.filesKept ?? 0;
  const ended = state.status === 'failed' || state.status === 'cancelled';
  return { saved, fromParent, written, generated, kept, notSaved: ended ? Math.max(0, generated - written) : 0 };
}

/** Formats seconds as "1 min 05 s" / "42 s" / "1 h 02 min"; empty when unknown. */
export function formatDuration(seconds) {
  if (seconds == null || !Number.isFinite(seconds)) return '';
  const s = Math.max(0, Math.round(seconds));
  if (s >= 3600) return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
  const minutes = Math.floor(s / 60);
  const rest = s % 60;
  return minutes > 0 ? `${minutes} min ${String(rest).padStart(2, '0')} s` : `${rest} s`;
}

/** The ETA's wording: the same format as {@link formatDuration}. */
export const formatEta = formatDuration;

function fromPlan(plan, phases) {
  return plan
    .filter((p) => p && Number.isInteger(p.phase))
    .map((p) => {
      const known = phases.find((q) => q.phase === p.phase);
      return { phase: p.phase, name: p.name ?? known?.name ?? null, state: known?.state ?? 'pending', files: known?.files ?? null };
    });
}

function ensurePhase(phases, number, name) {
  if (phases.some((p) => p.phase === number)) return phases;
  return [...phases, { phase: number, name: name ?? null, state: 'pending', files: null }].sort((a, b) => a.phase - b.phase);
}

function endPhases(phases, how) {
  return phases.map((p) => (p.state === 'current' ? { ...p, state: how } : p));
}

function costOf(cost) {
  return cost && Number.isFinite(cost.amount) && typeof cost.currency === 'string' ? { amount: cost.amount, currency: cost.currency } : null;
}

function clamp(value, min, max) {
  return Math.min(max, Math.max(min, value));
}

/** A `resumed_mid_phase` as the state holds it; null when the event has none (or a malformed one). */
function midPhaseOf(value) {
  if (!value || typeof value !== 'object' || !Number.isInteger(value.phase)) return null;
  return {
    phase: value.phase,
    file: typeof value.file === 'string' ? value.file : null,
    chars: Number.isInteger(value.chars) ? value.chars : 0,
    filesKept: Number.isInteger(value.files_kept) ? value.files_kept : 0,
  };
}

// ---------------------------------------------------------------------------------------------------------------------
// Live texts: the exact text so far of every file of the phase in progress, rebuilt from the `partial_output` deltas
// `{file, offset, text}` (offsets in UTF-16 code units, as JavaScript counts): `offset <= known.length` →
// `known = known.slice(0, offset) + text` (a resumed phase repeats text after its checkpoint, or a file starts again at
// 0); `offset > known.length` is a gap: the state asks for `GET {prefix}/{id}/live` (`sync: 'needed'`), and
// applyLiveAnswer continues from its `sequence` (events up to it are in it; the later ones are applied again by offset).
// watchGeneration does the asking when given an `onLive` handler; the React hook and the Vue composable use it.

// The events kept to apply again after a /live answer (a delta is at most 4,096 characters).
const LIVE_RECENT = 256;

/**
 * The live texts before any event. `sync: 'needed'` for a watch that starts without them while a phase may be in
 * progress (a page reload that resumes after an event id): the first /live answer fills them.
 * @param {{sync?: 'needed' | null}} [init]
 */
export function initialLiveState(init = {}) {
  return {
    phase: null,
    currentFile: null,
    files: {},
    sequence: null,
    since: null,
    sync: init.sync === 'needed' ? 'needed' : null,
    attempts: 0,
    // The phase a `resumed` said continues from its checkpoint; 'unknown' for a watch that starts without the events
    // before it (its first phase start may be a continuation: /live says).
    continues: init.sync === 'needed' ? 'unknown' : null,
    recent: [],
  };
}

/**
 * The live texts after one event (pure). Only `phase_{n}_started`, `phase_{n}_progress` with a delta,
 * `phase_{n}_complete`, `resumed` and the terminal events change them; an event whose id is at most `sequence` is
 * already in them and leaves them as they are.
 * @param {object} live   The live state so far (not changed).
 * @param {object} event  A StreamingProgressEvent.
 * @param {{id?: string|number|null}} [meta]  The event's SSE id.
 */
export function applyLiveEvent(live, event, meta = {}) {
  if (!event || typeof event !== 'object' || !live) return live;
  const id = eventNumber(meta.id);
  if (id !== null && live.sequence !== null && id <= live.sequence) {
    // Already in the texts; but an answer read after a `resumed` and before its phase started does not say whether
    // that phase continues: only this event does.
    return event.stage === 'resumed' && live.phase === null ? { ...live, continues: midPhaseOf(event.resumed_mid_phase)?.phase ?? null } : live;
  }
  if (!isLiveEvent(event)) return id === null ? live : { ...live, sequence: id };
  const next = foldLive(live, event, id);
  next.sequence = id ?? live.sequence;
  if (id !== null && !isTerminalStatus(event.status)) next.recent = [...trimRecent(next.recent), { id, event }];
  return next;
}

/**
 * The live texts from a `GET {prefix}/{id}/live` answer, then the events after its `sequence` that the state already
 * folded, applied again by offset (pure). An answer older than the phase the state is in is not taken. Still a gap
 * after it (the answer was older than what the deltas need): `sync` stays 'needed' and `attempts` counts up.
 * @param {object} live    The live state so far (not changed).
 * @param {object} answer  The GenerationLive answer: `{generation_id, status, phase?, sequence, current_file?, files}`.
 */
export function applyLiveAnswer(live, answer) {
  if (!live || !answer || typeof answer !== 'object') return live;
  const sequence = Number.isFinite(answer.sequence) ? answer.sequence : 0;
  if (live.since !== null && sequence < live.since) {
    // About an earlier phase than the events already folded: of no use.
    return { ...live, attempts: live.attempts + 1 };
  }

  let files = {};
  for (const file of Array.isArray(answer.files) ? answer.files : []) {
    if (!file || typeof file.path !== 'string') continue;
    const { [file.path]: _, ...rest } = files;
    files = { ...rest, [file.path]: liveFile(typeof file.text === 'string' ? file.text : null, file.complete === true, file.deleted === true) };
  }
  let next = {
    phase: Number.isInteger(answer.phase) ? answer.phase : null,
    currentFile: typeof answer.current_file === 'string' ? answer.current_file : null,
    files,
    sequence,
    since: sequence,
    sync: null,
    attempts: live.attempts,
    continues: continuesAt(live.recent, sequence, live.continues === 'unknown' ? 'unknown' : null),
    recent: live.recent,
  };
  for (const { id, event } of live.recent) {
    if (id > sequence) {
      next = foldLive(next, event, id);
      next.sequence = id;
    }
  }
  next.attempts = next.sync === 'needed' ? live.attempts + 1 : 0;
  return next;
}

/** Whether the live state waits for a /live answer: a gap, a reload, or a phase that continued from its checkpoint. */
export function liveNeedsSync(live) {
  return Boolean(live) && live.sync === 'needed';
}

function foldLive(live, event, id) {
  const stage = typeof event.stage === 'string' ? event.stage : '';
  if (isTerminalStatus(event.status)) {
    return { ...emptyLive(live, null, id), recent: [] };
  }
  if (stage === 'resumed') {
    return { ...live, continues: midPhaseOf(event.resumed_mid_phase)?.phase ?? null };
  }
  const match = PHASE_STAGE.exec(stage);
  if (!match) return { ...live };
  const number = Number(match[1]);
  if (match[2] === 'complete') return emptyLive(live, null, id);
  if (match[2] === 'started') {
    if (live.continues === number || live.continues === 'unknown') {
      // The phase continues from its checkpoint: what it kept is on the server (/live); the texts stay until it answers.
      return { ...live, phase: number, since: id ?? live.since, continues: null, sync: 'needed', attempts: 0 };
    }
    return emptyLive(live, number, id);
  }

  // phase_{n}_progress
  const delta = deltaOf(event.partial_output);
  if (!delta) return { ...live };
  // A delta of another phase than the one known (a reload that has not heard its start): that phase, still unknown.
  let next = live.phase === number ? { ...live } : { ...emptyLive(live, number, live.since), sync: live.sync, attempts: live.attempts };
  const { file, offset, text } = delta;
  const before = Object.hasOwn(next.files, file) ? next.files[file] : null;
  const known = before ? before.text : '';
  if (known === null ? offset > 0 : offset > known.length) {
    // Text was missed (a reload, a lost event): /live has it; the deltas after its sequence are applied again.
    return { ...next, sync: 'needed' };
  }
  let files = next.files;
  if (next.currentFile !== null && next.currentFile !== file && Object.hasOwn(files, next.currentFile)) {
    files = { ...files, [next.currentFile]: { ...files[next.currentFile], complete: true } };
  }
  // The file being written is the last one begun (as /live lists it).
  const { [file]: _, ...rest } = files;
  next.files = { ...rest, [file]: liveFile((known ?? '').slice(0, offset) + text, false, false) };
  next.currentFile = file;
  return next;
}

/** No texts: a new phase (or none); `since` is the id of the event that began it. */
function emptyLive(live, phase, since) {
  return { ...live, phase, currentFile: null, files: {}, since: since ?? live.since, continues: null, sync: null, attempts: 0 };
}

function liveFile(text, complete, deleted) {
  return deleted ? { text, complete, deleted: true } : { text, complete };
}

/** `{file, offset, text}` of a delta; null for anything else (an old server's `{file, chars, tail}`, a generator's own). */
function deltaOf(partial) {
  if (!partial || typeof partial !== 'object') return null;
  const { file, offset, text } = partial;
  if (typeof file !== 'string' || file === '' || typeof text !== 'string' || !Number.isSafeInteger(offset) || offset < 0) return null;
  return { file, offset, text };
}

function isLiveEvent(event) {
  return isTerminalStatus(event.status) || event.stage === 'resumed' || PHASE_STAGE.test(event.stage ?? '');
}

/** Which phase a `resumed` at or before `sequence` said continues, when no phase started after it (up to `sequence`). */
function continuesAt(recent, sequence, initial) {
  let continues = initial;
  for (const { id, event } of recent) {
    if (id > sequence) break;
    if (event.stage === 'resumed') continues = midPhaseOf(event.resumed_mid_phase)?.phase ?? null;
    else if (isTerminalStatus(event.status) || /^phase_\d+_(started|complete)$/.test(event.stage ?? '')) continues = null;
  }
  return continues;
}

function trimRecent(recent) {
  return recent.length < LIVE_RECENT ? recent : recent.slice(recent.length - LIVE_RECENT + 1);
}

function eventNumber(id) {
  if (id === null || id === undefined || id === '') return null;
  const number = Number(id);
  return Number.isSafeInteger(number) ? number : null;
}
