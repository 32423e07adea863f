// The demo page: the guide's flow (POST, then EventSource on stream_url with the read token) on the JavaScript client
// package (served under lib/iteration-streaming-client/), with the phase timeline, time, labelled counts, file
// preview, history, Retry that resumes, review gates (review.js), and a polite live region for assistive technology.
import {
  applyEvent, applySnapshot, createGenerationsClient, elapsedSeconds, fileCounts, formatDuration, initialProgress, isTerminalStatus,
} from './lib/iteration-streaming-client/index.js';
import { clearHistory, loadCurrent, loadHistory, relativeTime, saveCurrent, saveEntry } from './history.js';
import { createPreview, formatSize } from './preview.js';
import { createReview, fileTags } from './review.js';

const $ = (id) => document.getElementById(id);
const api = createGenerationsClient();
const preview = createPreview(api);
const review = createReview({ api, preview, current: () => current, files: () => files, reloadFiles: () => loadFiles() });

// Every event the page received, with its SSE id: for debugging in the console, and read by the browser tests.
window.__events = [];

let current = null;        // the history entry shown (see newEntry)
let progress = initialProgress();
let files = null;          // the latest saved-file list, null while unknown
let stopWatching = null;
let filesRequest = 0;      // only the newest file-list answer is shown
let errorAction = null;
let clock = null;          // ticks the elapsed time while a run is live
let announced = '';

$('start-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const entities = $('entities').value.split(',').map((s) => s.trim()).filter(Boolean);
  const reviewed = chosenReview();
  start('start', { prompt: $('prompt').value, entities, ...(reviewed ? { review: reviewed } : {}) });
});

$('iterate-form').addEventListener('submit', (e) => {
  e.preventDefault();
  start('iterate', { parent_generation_id: current.id, modification_prompt: $('modification').value }, current.controlToken);
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
$('cancel').addEventListener('click', cancel);
$('history-clear').addEventListener('click', () => {
  clearHistory();
  // The generation shown stays on screen (and on reload) but is not listed again as it goes on.
  if (current) {
    current.forgotten = true;
    saveCurrent(current);
  }
  renderHistory();
});
$('history').addEventListener('click', (e) => {
  const button = e.target.closest('button[data-open]');
  const entry = button && loadHistory().find((h) => h.id === button.dataset.open);
  if (entry) {
    show(entry, { fresh: false });
    $('progress-card').scrollIntoView({ block: 'start' });
    $('progress-title').focus();
  }
});
$('files').addEventListener('click', (e) => {
  const link = e.target.closest('a[data-path]');
  if (!link || e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey || e.altKey) return;
  e.preventDefault();
  const file = files?.find((f) => f.path === link.dataset.path);
  if (file) preview.open(current, file, link);
});

renderHistory();
const saved = loadCurrent();
if (saved) show(saved, { fresh: false });

/**
 * A new history entry from a 202 answer. `request` is what started it ({kind: 'start' | 'iterate', body}); a retry
 * keeps the request of the generation it retries (`from`).
 */
function newEntry(started, kind, request, from) {
  return {
    id: started.generation_id,
    kind,
    prompt: from?.prompt ?? (request.kind === 'iterate' ? request.body.modification_prompt : request.body.prompt),
    parentId: from?.parentId ?? (request.kind === 'iterate' ? request.body.parent_generation_id : null),
    retryOf: started.retry_of ?? null,
    request,
    readToken: started.sse_token,
    // Servers before the control token authorise actions with the read token.
    controlToken: started.control_token ?? started.sse_token,
    streamUrl: started.stream_url,
    statusUrl: started.status_url,
    createdAt: new Date().toISOString(),
    status: 'queued',
    lastId: null,
    resumed: null,
    final: null,
  };
}

/** POST, then watch the stream right away (the guide's "immediate connection"). An iteration needs its parent's control token. */
async function start(kind, body, parentControlToken) {
  setBusy(true);
  $('start-error').hidden = true;
  $('iterate-error').hidden = true;
  try {
    const started = kind === 'iterate'
      ? await api.iterate(body.parent_generation_id, body.modification_prompt, parentControlToken)
      : await api.start(body);
    show(newEntry(started, kind, { kind, body }), { fresh: true });
  } catch (error) {
    const text = kind === 'iterate' && (error.status === 401 || error.status === 403)
      ? 'This generation can no longer be iterated from this browser: its control token has ended. Start a new generation.'
      : error.message;
    const element = kind === 'iterate' && !$('iterate-card').hidden ? $('iterate-error') : $('start-error');
    element.textContent = text;
    element.hidden = false;
  } finally {
    setBusy(false);
  }
}

/** Retry: a new generation that keeps the saved phases of this one (POST /generations/{id}/retry). */
async function retry() {
  const from = current;
  $('retry').disabled = true;
  try {
    // A retry stops where the run it retries was asked to stop.
    const gates = from.request?.body?.review;
    const started = await api.retry(from.id, from.controlToken, gates ? { review: gates } : {});
    show(newEntry(started, 'retry', from.request, from), { fresh: true });
  } catch (error) {
    const expired = error.status === 401 || error.status === 403;
    showError(expired
      ? 'This generation can no longer be retried from this browser: its control token has ended. Start it again instead.'
      : `Retry refused: ${error.message}`, 'Start again', () => startAgain(from));
  } finally {
    $('retry').disabled = false;
  }
}

/** The same request again as a new run (an iteration again needs its parent's control token, from the history). */
function startAgain(entry) {
  const { kind, body } = entry.request;
  const parent = kind === 'iterate' ? loadHistory().find((h) => h.id === body.parent_generation_id) : null;
  return start(kind, body, parent?.controlToken);
}

async function cancel() {
  if (!current) return;
  $('cancel').disabled = true;
  $('connection').textContent = 'Cancelling…';
  try {
    // true: the stream ends with the "cancelled" event. false (409): it had already ended; its own terminal event says how.
    await api.cancel(current.id, current.controlToken);
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
  remember();
  reset();
  if (fresh) watch();
  else restore();
}

/** After a reload or from the history: the latest state from the snapshot, then the stream after that event. */
async function restore() {
  const { id } = current;
  $('connection').textContent = 'Loading…';
  let snapshot;
  try {
    snapshot = await api.snapshot(id, current.readToken);
  } catch (error) {
    if (current?.id !== id) return;
    if (current.final && (error.status === 401 || error.status === 403)) {
      showStored(error.problem);
      return;
    }
    // The stream would be refused the same way: let the watcher tell the states apart (401, 404, unreachable).
    watch();
    return;
  }
  if (current?.id !== id) return;
  progress = applySnapshot(progress, snapshot);
  current.lastId = progress.lastEventId;
  render();
  loadFiles();
  watch();
}

function watch() {
  stopWatching?.();
  const { id } = current;
  startClock();
  stopWatching = api.watch({ stream_url: current.streamUrl, sse_token: current.readToken, status_url: current.statusUrl }, {
    onEvent: (event, eventId) => {
      if (current?.id !== id) return;
      window.__events.push({ id: Number(eventId), ...event });
      progress = applyEvent(progress, event, { id: eventId });
      current.lastId = progress.lastEventId;
      if (event.stage === 'input_received') review.received(event);
      render();
      announce();
      // The files change when a phase is saved, and at a gate when the user edits or locks them.
      if (event.stage?.endsWith('_complete') || event.stage === 'awaiting_input' || event.stage === 'input_received') loadFiles();
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
      if (reason === 'failed') showError(progress.error ?? progress.message, 'Retry', retry);
      else showError('Cancelled. Retry continues from the phases saved so far.', 'Retry', retry, 'info');
      break;
    case 'unauthorized':
    case 'forbidden':
      if (current.final) {
        showStored(detail);
        break;
      }
      setStatus('unauthorized');
      $('files-note').textContent = 'The saved files cannot be listed without a valid token.';
      showError(`The stream token was refused: ${detail?.detail ?? 'it is not valid for this generation.'} Start again to get a new one.`,
        'Start again', again);
      break;
    case 'not_found':
      setStatus('not_found');
      $('files-note').textContent = '';
      showError('The server does not know this generation: it restarted without keeping its progress, or the generation was '
        + 'deleted after its retention period. Start again to run it anew.', 'Start again', again);
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

/** A generation this browser can no longer read (its tokens ended): its final state as recorded here, said plainly. */
function showStored(problem) {
  const final = current.final;
  stopClock();
  progress = { ...progress, ...final.progress };
  files = null;
  render();
  $('connection').textContent = '';
  $('cancel').disabled = true;
  $('saved-count').textContent = String(final.savedCount ?? 0);
  $('files').replaceChildren();
  $('archive').hidden = true;
  $('file-count').textContent = final.counts ?? '';
  $('files-note').textContent = '';
  $('access-note').textContent = 'Shown as this browser recorded it when the run ended: the server no longer lets this browser read '
    + 'this generation or its files (its tokens end a few minutes after a run ends'
    + `${problem?.detail ? `; the server says: ${problem.detail}` : ''}).`;
  $('access-note').hidden = false;
  $('iterate-card').hidden = true;
  const entry = current;
  showError('Run the same request again to get a fresh result.', 'Run it again', () => startAgain(entry), 'info');
}

/** The saved files, live: after each phase is saved, and after the run ended however it ended. */
async function loadFiles() {
  if (!current) return;
  const { id, readToken } = current;
  const request = ++filesRequest;
  let list;
  try {
    list = await api.files(id, readToken);
  } catch (error) {
    if (request !== filesRequest || current?.id !== id) return;
    $('files-note').textContent = error.status === 401
      ? 'These files can no longer be read from this browser: a generation\'s tokens end a few minutes after it finishes.'
      : 'The file list could not be loaded.';
    return;
  }
  if (request !== filesRequest || current?.id !== id) return;

  files = list.files;
  $('files').replaceChildren(...files.map((file) => {
    const li = document.createElement('li');
    const a = document.createElement('a');
    a.href = api.fileUrl(id, file.path, readToken);
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
  $('archive').href = api.archiveUrl(id, readToken);
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
  // The server's message says what was kept and why; the short label only stands in when it has none.
  $('resumed').textContent = resumed ? (resumed.message || resumeLabel(resumed)) : '';
  // The generator reports characters; for code they are bytes near enough, and a size is what a person reads.
  $('writing').textContent = progress.writing
    ? `Writing ${progress.writing.file} · ${formatSize(progress.writing.chars)} so far`
    : '';
  review.render(progress);
  $('usage').textContent = progress.usage
    ? `Tokens used: ${progress.usage.inputTokens.toLocaleString('en')} in · ${progress.usage.outputTokens.toLocaleString('en')} out`
    : '';

  if (progress.warning) {
    const missing = progress.warning.missingFiles.length ? ` Missing: ${progress.warning.missingFiles.join(', ')}.` : '';
    $('warning').textContent = `${progress.warning.message}${missing}`;
    $('warning').hidden = false;
  }
}

function resumeLabel(resumed) {
  const kept = resumed.phasesKept === 0 ? 'nothing was saved yet'
    : resumed.phasesKept === 1 ? 'phase 1 kept' : `phases 1–${resumed.phasesKept} kept`;
  return `Resumed: ${kept}.`;
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
    text = `${resumeLabel(progress.resumed)} Continuing with phase ${progress.resumed.nextPhase ?? progress.totalPhases}.`;
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
  filesRequest++;
  announced = '';
  preview.close();
  review.reset();
  stopClock();
  $('progress-card').hidden = false;
  $('iterate-card').hidden = true;
  $('generation-id').textContent = current.id;
  $('parent').textContent = current.retryOf ? `Retry of ${current.retryOf}`
    : current.parentId ? `Iteration of ${current.parentId}` : '';
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
  $('access-note').hidden = true;
  $('files').replaceChildren();
  $('saved-count').textContent = '0';
  $('files-note').textContent = 'Nothing saved yet: files appear as each phase is saved.';
  $('archive').hidden = true;
  $('cancel').disabled = false;
  $('announcer').textContent = '';
  setStatus(current.status === 'queued' ? 'queued' : 'pending');
  render();
  renderHistory();
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

/** Saves the entry shown (session: this tab's reload; history: this browser), with its final state once it ended. */
function remember() {
  if (!current) return;
  current.status = progress.status === 'pending' ? current.status : progress.status;
  current.resumed = progress.resumed ?? current.resumed ?? null;
  if (isTerminalStatus(progress.status)) {
    const { phases, message, status, filesGenerated, resumed, usage, error, startedAt, endedAt, totalPhases, phaseInfo, progress: percent } = progress;
    current.final = {
      status,
      savedCount: files?.length ?? current.final?.savedCount ?? null,
      counts: files ? describeCounts() : (current.final?.counts ?? describeCounts()),
      progress: { phases, message, status, filesGenerated, resumed, usage, error, startedAt, endedAt, totalPhases, phaseInfo, progress: percent },
    };
  }
  saveCurrent(current);
  if (!current.forgotten) saveEntry(current);
  renderHistory();
}

function renderHistory() {
  const list = loadHistory();
  $('history-card').hidden = list.length === 0;
  $('history').replaceChildren(...list.map((entry) => {
    const li = document.createElement('li');
    if (entry.id === current?.id) li.setAttribute('aria-current', 'true');
    const badge = document.createElement('span');
    badge.className = 'badge';
    badge.dataset.status = entry.status;
    badge.textContent = entry.status.replace('_', ' ');
    const body = document.createElement('div');
    body.className = 'entry';
    const open = document.createElement('button');
    open.type = 'button';
    open.className = 'link';
    open.dataset.open = entry.id;
    open.textContent = entry.prompt || '(no prompt)';
    const meta = document.createElement('span');
    meta.className = 'muted small meta';
    const kind = entry.kind === 'iterate' ? `iteration of ${entry.parentId?.slice(0, 8)}`
      : entry.kind === 'retry' ? `retry of ${entry.retryOf?.slice(0, 8)}` : 'generation';
    const when = document.createElement('time');
    when.dateTime = entry.createdAt;
    when.title = new Date(entry.createdAt).toLocaleString();
    when.textContent = relativeTime(entry.createdAt);
    meta.append(`${kind} · `, when, ` · ${entry.id.slice(0, 8)}`);
    body.append(open, meta);
    li.append(badge, body);
    return li;
  }));
}
