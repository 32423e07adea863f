// The demo page: the guide's flow (POST, then EventSource on the stream) on the JavaScript client package (served under
// lib/iteration-streaming-client/), with the phase timeline, time, labelled counts, file preview, the signed-in user's
// generations from the server, spend against budget, Retry that resumes (and raises the budget), review gates
// (review.js), the Changes view with Revert (changes.js), Fork from a saved phase, syntax highlighting (syntax.js, Prism),
// and a polite live region for assistive technology. Reads and actions go by ownership with the demo
// sign-in cookie (owner-client.js): the page keeps no token.
import {
  applyEvent, applySnapshot, elapsedSeconds, fileCounts, formatDuration, initialProgress, isTerminalStatus,
} from './lib/iteration-streaming-client/index.js';
import { createAccount } from './account.js';
import { createChanges } from './changes.js';
import { createGenerationList } from './generations.js';
import { createOwnerClient, OWNER } from './owner-client.js';
import { clearCurrent, forgetLegacyHistory, loadCurrent, saveCurrent } from './session.js';
import { createPreview, formatSize } from './preview.js';
import { createReview, fileTags } from './review.js';
import { budgetLimit, describeSpend, raisedBudget } from './spend.js';
import { highlightInto, languageOf } from './syntax.js';

const $ = (id) => document.getElementById(id);
const api = createOwnerClient();
const preview = createPreview(api);
const review = createReview({ api, preview, current: () => current, files: () => files, reloadFiles: () => loadFiles() });
const changes = createChanges({ api, follow: (started, how) => follow(started, how) });

// Every event the page received, with its SSE id: for debugging in the console, and read by the browser tests. The live
// texts (the client's `live` state) likewise.
window.__events = [];
window.__live = null;
// Past this many characters the text being written is shown without highlighting (it is tokenized again on every delta).
const LIVE_HIGHLIGHT_LIMIT = 100 * 1024;
let liveShown = null;      // { file, text } in the live view

let current = null;        // the generation shown (see newEntry)
let progress = initialProgress();
let files = null;          // the latest saved-file list, null while unknown
let stopWatching = null;
let filesRequest = 0;      // only the newest file-list answer is shown
let errorAction = null;
let clock = null;          // ticks the elapsed time while a run is live
let announced = '';
let spend = null;          // { budget, usage: {input_tokens, output_tokens}, cost } of the generation shown
let signedIn = false;
let forkPhase = null;      // the phase the fork form is open for

const generations = createGenerationList({
  api,
  current: () => current,
  open: (entry) => {
    show(withOwnerAccess(entry), { fresh: false });
    $('progress-card').scrollIntoView({ block: 'start' });
    $('progress-title').focus();
  },
});

$('start-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const entities = $('entities').value.split(',').map((s) => s.trim()).filter(Boolean);
  const reviewed = chosenReview();
  const budget = $('budget').value.trim();
  if (budget !== '' && !(Number.isInteger(Number(budget)) && Number(budget) >= 1)) {
    $('start-error').textContent = 'The budget must be a whole number of output tokens, 1 or more (or empty for the server\'s default).';
    $('start-error').hidden = false;
    return;
  }
  start('start', {
    prompt: $('prompt').value,
    entities,
    ...(reviewed ? { review: reviewed } : {}),
    ...(budget !== '' ? { budget: { max_output_tokens: Number(budget) } } : {}),
  });
});

$('iterate-form').addEventListener('submit', (e) => {
  e.preventDefault();
  start('iterate', { parent_generation_id: current.id, modification_prompt: $('modification').value });
});

/** The review gates chosen in the start form; null when none (the request is then exactly as before gates). */
function chosenReview() {
  const plan = $('review-plan').checked;
  const stop = document.querySelector('input[name="stop"]:checked')?.value ?? 'none';
  const afterPhases = stop === 'all' ? 'all' : stop === 'first' ? [1] : null;
  if (!plan && !afterPhases) return null;
  return { ...(plan ? { plan: true } : {}), ...(afterPhases ? { after_phases: afterPhases } : {}) };
}

$('retry').addEventListener('click', () => errorAction?.());
$('raise-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const value = Number($('raise-budget').value);
  if (!Number.isInteger(value) || value < 1) return;
  retry(raisedBudget(spend?.budget, value));
});
$('cancel').addEventListener('click', cancel);
$('files').addEventListener('click', (e) => {
  const link = e.target.closest('a[data-path]');
  if (!link || e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey || e.altKey) return;
  e.preventDefault();
  const file = files?.find((f) => f.path === link.dataset.path);
  if (file) preview.open(current, file, link);
});

forgetLegacyHistory();
const account = createAccount({
  onChange: (name) => {
    const was = signedIn;
    signedIn = name !== null;
    $('start-card').hidden = !signedIn;
    if (signedIn) {
      generations.refresh({ reset: true });
      if (!was && !current) {
        const saved = loadCurrent();
        if (saved) show(withOwnerAccess(saved), { fresh: false });
      }
    } else {
      leave();
    }
  },
});
account.load();

/** Signed out: nothing of the last user stays on screen or in this tab. */
function leave() {
  stopWatching?.();
  stopWatching = null;
  stopClock();
  preview.close();
  review.reset();
  changes.reset();
  closeFork();
  current = null;
  spend = null;
  clearCurrent();
  generations.clear();
  $('progress-card').hidden = true;
  $('iterate-card').hidden = true;
}

/** The client package takes a token on each call; the page passes `null`: by ownership (owner-client.js). */
function withOwnerAccess(entry) {
  return { ...entry, readToken: OWNER, controlToken: OWNER };
}

/**
 * The generation shown, from a 202 answer. `request` is what started it ({kind: 'start' | 'iterate', body}); a retry
 * keeps the request of the generation it retries (`from`). The answer's tokens are not kept: the page reads and acts by
 * ownership.
 */
function newEntry(started, kind, request, from) {
  return withOwnerAccess({
    id: started.generation_id,
    kind,
    prompt: from?.prompt ?? (request?.kind === 'iterate' ? request.body.modification_prompt : request?.body?.prompt ?? ''),
    parentId: from && 'parentId' in from ? from.parentId ?? null : (request?.kind === 'iterate' ? request.body.parent_generation_id : null),
    retryOf: started.retry_of ?? null,
    forkedFrom: started.forked_from ?? null,
    fromPhase: started.from_phase ?? null,
    request,
    budget: started.budget ?? null,
    createdAt: new Date().toISOString(),
    status: 'queued',
    lastId: null,
    resumed: null,
  });
}

/** POST, then watch the stream right away (the guide's "immediate connection"). Iterating needs ownership of the parent. */
async function start(kind, body) {
  setBusy(true);
  $('start-error').hidden = true;
  $('iterate-error').hidden = true;
  try {
    const started = kind === 'iterate'
      ? await api.iterate(body.parent_generation_id, body.modification_prompt, OWNER)
      : await api.start(body);
    show(newEntry(started, kind, { kind, body }), { fresh: true });
    generations.refresh();
  } catch (error) {
    if (error.status === 401) account.load();
    const text = kind === 'iterate' && (error.status === 401 || error.status === 403)
      ? 'You can no longer iterate on this generation: sign in as its owner.'
      : error.message;
    const element = kind === 'iterate' && !$('iterate-card').hidden ? $('iterate-error') : $('start-error');
    element.textContent = text;
    element.hidden = false;
  } finally {
    setBusy(false);
  }
}

/**
 * Retry: a new generation that keeps the saved phases of this one (POST /generations/{id}/retry), with a raised budget
 * when one is given.
 */
async function retry(budget) {
  const from = current;
  $('retry').disabled = true;
  $('raise-retry').disabled = true;
  try {
    // A retry stops where the run it retries was asked to stop.
    const gates = from.request?.body?.review;
    const body = { ...(gates ? { review: gates } : {}), ...(budget ? { budget } : {}) };
    const started = await api.retryWith(from.id, body);
    show(newEntry(started, 'retry', from.request, from), { fresh: true });
    generations.refresh();
  } catch (error) {
    if (error.status === 401) account.load();
    const refused = error.status === 401 || error.status === 403;
    showError(refused
      ? 'You can no longer retry this generation: sign in as its owner, or start it again.'
      : `Retry refused: ${error.message}`, from.request ? 'Start again' : null, from.request ? () => startAgain(from) : null);
  } finally {
    $('retry').disabled = false;
    $('raise-retry').disabled = false;
  }
}

/**
 * Shows the generation a revert (changes.js) or a fork started, as a retry is shown: watched from its first event. A
 * revert is an iteration of the generation shown; a fork keeps phases 1..k of it. Neither keeps a request to start again.
 */
function follow(started, how) {
  const { from } = how;
  const entry = how.kind === 'revert'
    ? newEntry(started, 'revert', null, { prompt: `Revert ${how.path} to ${how.label}`, parentId: from.id })
    : newEntry(started, 'fork', null, { prompt: how.prompt || from.prompt, parentId: null });
  if (how.kind === 'fork') {
    entry.forkedFrom ??= from.id;
    entry.fromPhase ??= how.fromPhase;
  }
  show(entry, { fresh: true });
  generations.refresh();
  $('progress-card').scrollIntoView({ block: 'start' });
  $('progress-title').focus();
}

$('phases').addEventListener('click', (e) => {
  const button = e.target.closest('button[data-fork]');
  if (button) openFork(Number(button.dataset.fork));
});
$('fork-cancel').addEventListener('click', () => closeFork({ refocus: true }));
$('fork-form').addEventListener('keydown', (e) => {
  if (e.key === 'Escape') closeFork({ refocus: true });
});
$('fork-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const from = current;
  const phase = forkPhase;
  if (!from || !phase) return;
  const prompt = $('fork-prompt').value.trim();
  $('fork-submit').disabled = true;
  $('fork-error').hidden = true;
  try {
    const started = await api.fork(from.id, { fromPhase: phase, modificationPrompt: prompt || undefined });
    closeFork();
    follow(started, { kind: 'fork', from, fromPhase: phase, prompt });
  } catch (error) {
    if (error.status === 401) account.load();
    $('fork-error').textContent = error.status === 401 || error.status === 403
      ? 'You can no longer fork this generation: sign in as its owner.'
      : `Fork refused: ${error.message}`;
    $('fork-error').hidden = false;
  } finally {
    $('fork-submit').disabled = false;
  }
});

/** "Fork from here" on a saved phase: the form that names what is kept and takes an optional modification prompt. */
function openFork(phase) {
  const named = progress.phases.find((p) => p.phase === phase)?.name;
  const total = progress.totalPhases ?? progress.phases.length;
  forkPhase = phase;
  $('fork-title').textContent = `Fork from phase ${phase}${named ? ` (${named})` : ''}`;
  $('fork-note').textContent = `A new generation keeps ${phase === 1 ? 'phase 1' : `phases 1–${phase}`} of this one (their files are `
    + `shared, not copied) and generates ${phase + 1 === total ? `phase ${total}` : `phases ${phase + 1}–${total}`} again. This generation stays as it is.`;
  $('fork-error').hidden = true;
  $('fork-form').hidden = false;
  $('fork-title').focus();
}

function closeFork({ refocus = false } = {}) {
  const phase = forkPhase;
  forkPhase = null;
  $('fork-form').hidden = true;
  $('fork-prompt').value = '';
  if (refocus && phase) document.querySelector(`#phases button[data-fork="${phase}"]`)?.focus();
}

/** The same request again as a new run. */
function startAgain(entry) {
  const { kind, body } = entry.request;
  return start(kind, body);
}

async function cancel() {
  if (!current) return;
  $('cancel').disabled = true;
  $('connection').textContent = 'Cancelling…';
  try {
    // true: the stream ends with the "cancelled" event. false (409): it had already ended; its own terminal event says how.
    await api.cancel(current.id, OWNER);
  } catch (error) {
    $('cancel').disabled = false;
    $('connection').textContent = `Cancel refused: ${error.message}`;
  }
}

/** Shows a generation: a fresh one is watched from its start; another is restored from its snapshot first. */
function show(entry, { fresh }) {
  stopWatching?.();
  stopWatching = null;
  current = entry;
  progress = {
    ...initialProgress({ generationId: entry.id, parentGenerationId: entry.parentId, retryOf: entry.retryOf }),
    resumed: entry.resumed ?? null,
  };
  files = null;
  spend = { budget: entry.budget ?? null, usage: null, cost: null };
  changes.reset();
  closeFork();
  remember();
  reset();
  if (fresh) watch();
  else restore();
}

/** After a reload or from the list: the latest state from the snapshot, then the stream after that event. */
async function restore() {
  const { id } = current;
  $('connection').textContent = 'Loading…';
  let snapshot;
  try {
    snapshot = await api.snapshot(id, OWNER);
  } catch (error) {
    if (current?.id !== id) return;
    // The stream would be refused the same way: let the watcher tell the states apart (401, 404, unreachable).
    watch();
    return;
  }
  if (current?.id !== id) return;
  progress = applySnapshot(progress, snapshot);
  current.lastId = progress.lastEventId;
  current.parentId = snapshot.parent_generation_id ?? current.parentId ?? null;
  current.retryOf = snapshot.retry_of ?? current.retryOf ?? null;
  current.forkedFrom = snapshot.forked_from ?? current.forkedFrom ?? null;
  current.fromPhase = snapshot.from_phase ?? current.fromPhase ?? null;
  takeSpend(snapshot);
  $('parent').textContent = lineage(current);
  render();
  loadFiles();
  watch();
}

/** Spend from a snapshot or a list item (`usage`, `cost`, `budget`), the record's totals. */
function takeSpend(source) {
  spend = {
    budget: source.budget ?? spend?.budget ?? null,
    usage: source.usage ?? spend?.usage ?? null,
    cost: source.cost ?? spend?.cost ?? null,
  };
}

/**
 * Spend from an event: each phase_{n}_complete carries that phase's usage and cost (added up here), completed the run's
 * totals. A failed or cancelled run's totals are read back from its snapshot.
 */
function spendFrom(event) {
  const usage = event.partial_output?.usage;
  const cost = event.partial_output?.cost;
  if (event.status === 'completed') {
    if (usage) spend = { ...spend, usage, cost: cost ?? spend?.cost ?? null };
  } else if (/^phase_\d+_complete$/.test(event.stage ?? '') && usage) {
    const before = spend?.usage ?? { input_tokens: 0, output_tokens: 0 };
    const added = {
      input_tokens: before.input_tokens + (usage.input_tokens ?? 0),
      output_tokens: before.output_tokens + (usage.output_tokens ?? 0),
    };
    added.total_tokens = added.input_tokens + added.output_tokens;
    const sum = cost && (!spend?.cost || spend.cost.currency === cost.currency)
      ? { amount: (spend?.cost?.amount ?? 0) + cost.amount, currency: cost.currency }
      : spend?.cost ?? null;
    spend = { ...spend, usage: added, cost: sum };
  } else if (event.status === 'failed' || event.status === 'cancelled') {
    const { id } = current;
    api.snapshot(id, OWNER).then((snapshot) => {
      if (current?.id !== id) return;
      takeSpend(snapshot);
      renderSpend();
    }, () => {});
  }
}

function watch() {
  stopWatching?.();
  const { id } = current;
  startClock();
  const path = `/generations/${encodeURIComponent(id)}`;
  stopWatching = api.watch({ stream_url: `${path}/stream`, sse_token: OWNER, status_url: path }, {
    onEvent: (event, eventId) => {
      if (current?.id !== id) return;
      window.__events.push({ id: Number(eventId), ...event });
      progress = applyEvent(progress, event, { id: eventId });
      current.lastId = progress.lastEventId;
      spendFrom(event);
      if (event.stage === 'input_received') review.received(event);
      render();
      announce();
      // The files change when a phase is saved, and at a gate when the user edits or locks them. A retry or fork has
      // its kept files from its first events on: `resumed` comes once its storage holds them.
      if (event.stage?.endsWith('_complete') || event.stage === 'awaiting_input' || event.stage === 'input_received'
        || event.stage === 'resumed') loadFiles();
      if (event.stage?.endsWith('_complete') || isTerminalStatus(event.status)) changes.refresh();
      if (event.stage?.endsWith('_complete') || isTerminalStatus(event.status) || event.stage === 'awaiting_input') generations.refresh();
      remember();
    },
    onConnection: (state) => {
      if (current?.id !== id) return;
      $('connection').textContent = {
        connecting: 'Connecting…',
        open: 'Live',
        reconnecting: 'Connection lost: resuming where it left off…',
        closed: '',
      }[state] ?? '';
      $('connection').dataset.state = state;
    },
    onEnd: (reason, detail) => {
      if (current?.id !== id) return;
      ended(reason, detail);
    },
    // The exact text so far of the file being written: rebuilt from the deltas, and after a reload read from /live
    // (by ownership, as the stream) and continued from there by the client package.
    onLive: (live) => {
      if (current?.id !== id) return;
      progress = { ...progress, live };
      window.__live = live;
      renderLive();
    },
  }, { lastEventId: current.lastId });
}

function ended(reason, detail) {
  stopClock();
  $('cancel').disabled = true;
  const entry = current;
  const again = () => startAgain(entry);
  switch (reason) {
    case 'completed':
      loadFiles();
      $('iterate-card').hidden = false;
      $('iterate-parent').textContent = current.id;
      break;
    case 'failed':
    case 'cancelled':
      loadFiles();
      if (reason === 'failed' && progress.stage === 'budget_exceeded') showBudgetExceeded();
      else if (reason === 'failed') showError(progress.error ?? progress.message, 'Retry', () => retry());
      else showError('Cancelled. Retry continues from the phases saved so far.', 'Retry', () => retry(), 'info');
      break;
    case 'unauthorized':
    case 'forbidden':
      setStatus('unauthorized');
      $('files-note').textContent = 'The saved files can only be listed by the generation\'s owner.';
      showError(`The server refused to show this generation: ${detail?.detail ?? 'you are not its owner.'} Sign in as its owner, `
        + 'or start it again.', entry.request ? 'Start again' : null, entry.request ? again : null);
      account.load();
      break;
    case 'not_found':
      setStatus('not_found');
      $('files-note').textContent = '';
      showError('The server does not know this generation: it restarted without keeping its progress, or the generation was '
        + 'deleted after its retention period. Start again to run it anew.', entry.request ? 'Start again' : null, entry.request ? again : null);
      break;
    case 'closed_by_client':
      break;
    default:
      setStatus('error');
      showError(detail?.detail ?? 'The stream ended unexpectedly.', 'Reconnect', () => {
        $('error').hidden = true;
        $('cancel').disabled = false;
        watch();
      });
  }
  remember();
}

/** A run stopped by its budget: its saved phases stay, and a retry with a higher budget continues from them. */
function showBudgetExceeded() {
  const limit = budgetLimit(spend?.budget);
  showError(`${progress.error ?? progress.message} The saved phases are kept: raise the budget and retry to continue from them.`,
    'Retry with the same budget', () => retry());
  $('raise-budget').value = String(limit ? limit.allowed * 2 : 4000);
  $('raise-form').hidden = false;
}

/** The saved files, live: after each phase is saved, and after the run ended however it ended. */
async function loadFiles() {
  if (!current) return;
  const { id } = current;
  const request = ++filesRequest;
  let list;
  try {
    list = await api.files(id, OWNER);
  } catch (error) {
    if (request !== filesRequest || current?.id !== id) return;
    $('files-note').textContent = error.status === 401
      ? 'These files can only be read by the generation\'s owner: sign in as its owner.'
      : 'The file list could not be loaded.';
    return;
  }
  if (request !== filesRequest || current?.id !== id) return;

  files = list.files;
  $('files').replaceChildren(...files.map((file) => {
    const li = document.createElement('li');
    const a = document.createElement('a');
    a.href = api.fileUrl(id, file.path);
    a.dataset.path = file.path;
    a.textContent = file.path;
    const size = document.createElement('span');
    size.className = 'size';
    size.textContent = formatSize(file.size);
    const name = document.createElement('span');
    name.className = 'file-name';
    name.append(a, ...fileTags(file));
    li.append(name, size);
    return li;
  }));
  $('saved-count').textContent = String(files.length);
  $('files-note').textContent = files.length === 0
    ? 'Nothing saved yet: files appear as each phase is saved.'
    : 'Select a file to preview it here.';
  $('archive').href = api.archiveUrl(id);
  $('archive').hidden = files.length === 0;
  render();
  remember();
}

function render() {
  const percent = Math.round(progress.progress);
  const info = progress.phaseInfo;
  const phase = info?.phase ?? (info?.current_phase || null);
  const named = progress.phases.find((p) => p.phase === phase)?.name ?? info?.name;
  const phaseText = phase ? `Phase ${phase}/${progress.totalPhases ?? '?'}${named ? ` — ${named}` : ''}` : '';

  $('progress-fill').style.width = `${percent}%`;
  $('progress-bar').setAttribute('aria-valuenow', String(percent));
  $('progress-bar').setAttribute('aria-valuetext', `${percent}%${phaseText ? `, ${phaseText.replace('/', ' of ')}` : ''}`);
  $('percent').textContent = progress.status === 'pending' ? '' : `${percent}% complete`;
  if (progress.status !== 'pending') setStatus(progress.status);
  $('message').textContent = progress.message;
  $('phase').textContent = phaseText;
  renderTime();
  renderPhases();
  $('file-count').textContent = describeCounts();

  const resumed = progress.resumed;
  $('resumed').hidden = !resumed;
  // The server's message says what was kept and why (and where an interrupted phase continues); the short label only
  // stands in when it has none.
  $('resumed').textContent = resumed ? (resumed.message || resumeLabel(resumed)) : '';
  // The generator reports characters; for code they are bytes near enough, and a size is what a person reads.
  $('writing').textContent = progress.writing
    ? `Writing ${progress.writing.file} · ${formatSize(progress.writing.chars)} so far`
    : '';
  renderLive();
  review.render(progress);
  changes.render(progress, current);
  $('usage').textContent = progress.usage
    ? `Tokens used: ${progress.usage.inputTokens.toLocaleString('en')} in · ${progress.usage.outputTokens.toLocaleString('en')} out`
    : '';
  renderSpend();

  if (progress.warning) {
    const missing = progress.warning.missingFiles.length ? ` Missing: ${progress.warning.missingFiles.join(', ')}.` : '';
    $('warning').textContent = `${progress.warning.message}${missing}`;
    $('warning').hidden = false;
  }
}

function renderSpend() {
  const { text, level } = describeSpend(spend);
  $('spend').textContent = text;
  if (level) $('spend').dataset.level = level;
  else delete $('spend').dataset.level;
}

function lineage(entry) {
  if (entry.retryOf) return `Retry of ${entry.retryOf}`;
  if (entry.forkedFrom) return `Fork of ${entry.forkedFrom}${entry.fromPhase ? ` from phase ${entry.fromPhase}` : ''}`;
  if (entry.parentId) return `${entry.kind === 'revert' ? 'Revert in' : 'Iteration of'} ${entry.parentId}`;
  return '';
}

function resumeLabel(resumed) {
  const kept = resumed.phasesKept === 0 ? 'nothing was saved yet'
    : resumed.phasesKept === 1 ? 'phase 1 kept' : `phases 1–${resumed.phasesKept} kept`;
  return `Resumed: ${kept}.${resumed.midPhase ? ` ${continuesWhere(resumed.midPhase)}.` : ''}`;
}

/** `resumed_mid_phase` in words, as the server says it: "Phase 3 continues where it stopped: src/a.ts at 1,234 characters". */
function continuesWhere(mid) {
  const kept = mid.filesKept > 0 ? ` (${mid.filesKept} ${mid.filesKept === 1 ? 'file' : 'files'} of the phase kept)` : '';
  return mid.file
    ? `Phase ${mid.phase} continues where it stopped: ${mid.file} at ${mid.chars.toLocaleString('en')} characters${kept}`
    : `Phase ${mid.phase} continues where it stopped, between two files${kept}`;
}

/**
 * The file being written with its exact text so far (the client's live texts), highlighted as the preview is (built with
 * textContent only), growing with each delta; kept scrolled to its end unless the reader scrolled up. Hidden between
 * files, between phases and once the run ended (the phase's files are then in "Saved files").
 */
function renderLive() {
  const live = progress.live;
  const file = live?.currentFile ?? null;
  const entry = file !== null && Object.hasOwn(live.files, file) ? live.files[file] : null;
  const section = $('live');
  if (!entry || typeof entry.text !== 'string' || isTerminalStatus(progress.status)) {
    section.hidden = true;
    $('writing').hidden = false;
    liveShown = null;
    return;
  }
  // The view says what the one-line "Writing … so far" says (an older server's deltas have only that line).
  $('writing').hidden = true;
  const body = $('live-body');
  const pinned = section.hidden || body.scrollTop + body.clientHeight >= body.scrollHeight - 8;
  section.hidden = false;
  const finished = Object.values(live.files).filter((f) => f.complete && !f.deleted).length;
  $('live-title').textContent = file;
  $('live-code').setAttribute('aria-label', `Text so far of ${file}`);
  $('live-note').textContent = `${formatSize(entry.text.length)} so far`
    + (finished > 0 ? ` · ${finished} ${finished === 1 ? 'file' : 'files'} of this phase finished` : '')
    + (live.sync === 'needed' ? ' · catching up…' : '');
  if (liveShown?.file !== file || liveShown.text !== entry.text) {
    const { text } = entry;
    $('live-lines').textContent = text.split('\n').map((_, i) => i + 1).join('\n');
    if (text.length <= LIVE_HIGHLIGHT_LIMIT) {
      highlightInto($('live-text'), text, languageOf(file));
    } else {
      $('live-text').textContent = text;
      delete $('live-text').dataset.language;
    }
    liveShown = { file, text };
  }
  if (pinned) body.scrollTop = body.scrollHeight;
}

function renderTime() {
  const seconds = elapsedSeconds(progress);
  const ended = isTerminalStatus(progress.status);
  $('elapsed').textContent = seconds == null ? '' : ended ? `took ${formatDuration(seconds)}` : `${formatDuration(seconds)} elapsed`;
  $('eta').textContent = ended || progress.eta == null ? ''
    : progress.eta < 1 ? '· almost done' : `· about ${formatDuration(progress.eta)} left`;
}

const PHASE_STATE = {
  pending: ['', 'pending'],
  current: ['▶', 'in progress'],
  done: ['✓', 'done'],
  kept: ['✓', 'kept from the earlier run'],
  failed: ['✗', 'failed'],
  stopped: ['■', 'stopped'],
};

function renderPhases() {
  $('phases-note').textContent = progress.phases.length === 0 ? 'The phases appear once the plan is made.' : '';
  // A fork starts from a run that has ended or waits at a review gate (a running one is refused with 409).
  const forkable = isTerminalStatus(progress.status) || progress.status === 'awaiting_input';
  if (!forkable && forkPhase) closeFork();
  $('phases').replaceChildren(...progress.phases.map((p) => {
    const li = document.createElement('li');
    li.dataset.state = p.state;
    if (p.state === 'current') li.setAttribute('aria-current', 'step');
    const [icon, label] = PHASE_STATE[p.state] ?? ['', p.state];
    const mark = document.createElement('span');
    mark.className = 'mark';
    mark.setAttribute('aria-hidden', 'true');
    mark.textContent = icon || String(p.phase);
    const name = document.createElement('span');
    name.className = 'name';
    name.textContent = p.name ?? `Phase ${p.phase}`;
    const detail = document.createElement('span');
    detail.className = 'detail';
    const count = p.files == null ? '' : `${p.files} ${p.files === 1 ? 'file' : 'files'}`;
    detail.textContent = [label, p.state === 'current' || p.state === 'done' || p.state === 'failed' ? count : ''].filter(Boolean).join(' · ');
    li.append(mark, name, detail);
    if (forkable && (p.state === 'done' || p.state === 'kept')) {
      const fork = document.createElement('button');
      fork.type = 'button';
      fork.className = 'secondary small-button fork';
      fork.dataset.fork = String(p.phase);
      fork.textContent = 'Fork from here';
      fork.setAttribute('aria-label', `Fork from here: phase ${p.phase}${p.name ? `, ${p.name}` : ''}`);
      li.append(fork);
    }
    return li;
  }));
}

/** One meaning per number, each labelled. */
function describeCounts() {
  const files_ = files ?? [];
  const counts = fileCounts(progress, files_);
  const plural = (n, word) => `${n} ${n === 1 ? word : `${word}s`}`;
  const iteration = current?.parentId != null || counts.fromParent > 0;
  const retried = progress.resumed && counts.kept > 0;
  switch (progress.status) {
    case 'pending':
    case 'queued':
      return '';
    case 'completed': {
      if (files === null) return plural(counts.generated, 'file') + ' generated';
      const parts = [];
      if (iteration) parts.push(`${counts.fromParent} from the parent`);
      if (retried) parts.push(`${counts.kept} kept from phases 1–${progress.resumed.phasesKept}`);
      if (parts.length === 0) return plural(counts.saved, 'file');
      const label = iteration ? 'generated by this iteration' : 'generated by this run';
      parts.push(`${counts.written - (retried ? counts.kept : 0)} ${label}`);
      return `${plural(counts.saved, 'file')}: ${parts.join(', ')}`;
    }
    case 'failed':
    case 'cancelled': {
      if (files === null) return `${plural(counts.generated, 'file')} generated`;
      const where = progress.status === 'failed' ? 'the phase that failed' : 'the cancelled phase';
      const lost = counts.notSaved > 0 ? ` · ${counts.notSaved} in ${where}, not saved` : '';
      const parent = iteration ? ` (${counts.fromParent} from the parent)` : '';
      return `${counts.saved} saved${parent}${lost}`;
    }
    default: {
      const parts = [`${counts.generated} generated`];
      if (files !== null) parts.push(`${counts.written} saved`);
      if (iteration && files !== null) parts.push(`${counts.fromParent} from the parent`);
      return parts.join(' · ');
    }
  }
}

/**
 * The polite live region: phase changes, a resume, a review gate, the end. Not every file (that would be noise), nor
 * the result of an input (#input-result is its own live region).
 */
function announce() {
  const info = progress.phaseInfo;
  let text = '';
  let key = '';
  if (isTerminalStatus(progress.status)) {
    key = progress.status;
    text = progress.message;
  } else if (progress.stage === 'resumed' && progress.resumed) {
    key = `resumed-${progress.lastEventId}`;
    text = progress.resumed.midPhase
      ? resumeLabel(progress.resumed)
      : `${resumeLabel(progress.resumed)} Continuing with phase ${progress.resumed.nextPhase ?? progress.totalPhases}.`;
  } else if (progress.status === 'awaiting_input' && progress.inputRequest && progress.stage === 'awaiting_input') {
    key = `gate-${progress.lastEventId}`;
    text = `${progress.message}. The run waits for your review.`;
  } else if (progress.stage?.match(/^phase_\d+_started$/) && info?.phase) {
    key = `phase-${info.phase}`;
    text = `Phase ${info.phase} of ${progress.totalPhases} started: ${info.name ?? ''}`;
  }
  if (key && key !== announced) {
    announced = key;
    $('announcer').textContent = text;
  }
}

function reset() {
  window.__events = [];
  window.__live = null;
  liveShown = null;
  $('live').hidden = true;
  $('writing').hidden = false;
  filesRequest++;
  announced = '';
  preview.close();
  review.reset();
  stopClock();
  $('progress-card').hidden = false;
  $('iterate-card').hidden = true;
  $('generation-id').textContent = current.id;
  $('parent').textContent = lineage(current);
  $('progress-fill').style.width = '0%';
  $('progress-bar').setAttribute('aria-valuenow', '0');
  $('progress-bar').setAttribute('aria-valuetext', '0%');
  $('percent').textContent = '';
  $('message').textContent = '';
  $('phase').textContent = '';
  $('elapsed').textContent = '';
  $('eta').textContent = '';
  $('connection').textContent = '';
  $('resumed').hidden = true;
  $('warning').hidden = true;
  $('error').hidden = true;
  $('raise-form').hidden = true;
  $('access-note').hidden = true;
  $('files').replaceChildren();
  $('saved-count').textContent = '0';
  $('files-note').textContent = 'Nothing saved yet: files appear as each phase is saved.';
  $('archive').hidden = true;
  $('cancel').disabled = false;
  $('announcer').textContent = '';
  setStatus(current.status === 'queued' ? 'queued' : 'pending');
  render();
  generations.render();
}

function setStatus(status) {
  $('status').textContent = status.replace('_', ' ');
  $('status').dataset.status = status;
  $('progress-card').dataset.status = status;
}

/** The notice under the progress, with its action. kind 'info' shows it calmly (a cancel, an expired access). */
function showError(text, actionLabel, action, kind) {
  $('progress-card').hidden = false;
  $('error-text').textContent = text ?? '';
  if (kind) $('error').dataset.kind = kind;
  else delete $('error').dataset.kind;
  $('error').setAttribute('role', kind === 'info' ? 'status' : 'alert');
  errorAction = action;
  $('retry').textContent = actionLabel ?? '';
  $('retry').hidden = !action;
  $('raise-form').hidden = true;
  $('error').hidden = false;
}

function setBusy(busy) {
  $('start').disabled = busy;
  $('iterate').disabled = busy;
}

function startClock() {
  stopClock();
  clock = setInterval(() => {
    if (isTerminalStatus(progress.status)) stopClock();
    renderTime();
  }, 1000);
}

function stopClock() {
  clearInterval(clock);
  clock = null;
}

/** Keeps the generation shown for this tab's reload (its id and request; no token), and its status for the list. */
function remember() {
  if (!current) return;
  current.status = progress.status === 'pending' ? current.status : progress.status;
  current.resumed = progress.resumed ?? current.resumed ?? null;
  saveCurrent(current);
  generations.update(current.id, { status: current.status, progress: progress.progress / 100, stage: progress.stage, ...spend });
}
