// The demo page: the guide's flow (POST, then EventSource on stream_url with the token), on top of iteration-stream.js.
import { watchGeneration, withToken, formatEta } from './iteration-stream.js';

const $ = (id) => document.getElementById(id);
const STORAGE_KEY = 'iteration-streaming-sample.current';

// Every event the page received, with its SSE id: for debugging in the console, and read by the browser tests.
window.__events = [];

let current = null;        // { generationId, token, streamUrl, statusUrl, endpoint, request, parentId, lastId, totalPhases, generated }
let stopWatching = null;
let filesRequest = 0;      // only the newest file-list answer is shown
let retryAction = null;

$('start-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const entities = $('entities').value.split(',').map((s) => s.trim()).filter(Boolean);
  start('/generations', { prompt: $('prompt').value, entities });
});

$('iterate-form').addEventListener('submit', (e) => {
  e.preventDefault();
  start('/generations/iterate', { parent_generation_id: current.generationId, modification_prompt: $('modification').value });
});

$('retry').addEventListener('click', () => retryAction?.());

$('cancel').addEventListener('click', async () => {
  if (!current) return;
  $('cancel').disabled = true;
  $('connection').textContent = 'Cancelling…';
  const response = await fetch(`/generations/${current.generationId}`, {
    method: 'DELETE',
    headers: { Authorization: `Bearer ${current.token}` },
  });
  // 202: the stream ends with the "cancelled" event. 409: it had already ended; its own terminal event says how.
  if (!response.ok && response.status !== 409) {
    const problem = await response.json().catch(() => ({}));
    $('cancel').disabled = false;
    $('connection').textContent = `Cancel refused: ${problem.detail ?? response.status}`;
  }
});

restore();

/** POST, then watch the stream right away (the guide's "immediate connection"). */
async function start(endpoint, request) {
  setBusy(true);
  $('start-error').hidden = true;
  $('iterate-error').hidden = true;
  try {
    let response;
    try {
      response = await fetch(endpoint, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(request),
      });
    } catch (error) {
      showRequestError(endpoint, `The server cannot be reached: ${error.message}`);
      return;
    }

    const body = await response.json().catch(() => ({}));
    if (response.status !== 202) {
      showRequestError(endpoint, body.detail ?? body.title ?? `The server answered ${response.status}.`);
      return;
    }

    current = {
      generationId: body.generation_id,
      token: body.sse_token,
      streamUrl: body.stream_url,
      statusUrl: body.status_url,
      endpoint,
      request,
      parentId: request.parent_generation_id ?? null,
      lastId: null,
      totalPhases: null,
      generated: 0,
    };
    save();
    reset();
    watch();
  } finally {
    setBusy(false);
  }
}

/** After a reload: show the generation's latest state from its snapshot, then resume the stream after that event. */
async function restore() {
  try {
    current = JSON.parse(sessionStorage.getItem(STORAGE_KEY) ?? 'null');
  } catch {
    current = null;
  }
  if (!current?.generationId) return;

  reset();
  // Nothing is known yet: the snapshot (or the reason it is refused) fills these in.
  $('percent').textContent = '';
  $('file-count').textContent = '';
  $('files-note').textContent = '';
  $('connection').textContent = 'Resuming…';
  const response = await fetch(current.statusUrl, { headers: { Authorization: `Bearer ${current.token}` }, cache: 'no-store' })
    .catch(() => null);
  if (!response?.ok) {
    // The stream would be refused the same way: let the module tell the states apart (401, 404, unreachable).
    watch();
    return;
  }

  const snapshot = await response.json();
  if (snapshot.last_event) render(snapshot.last_event);
  current.lastId = snapshot.last_event_id > 0 ? String(snapshot.last_event_id) : null;
  save();
  loadFiles();
  watch();
}

function watch() {
  if (stopWatching) stopWatching();
  const { generationId, streamUrl, statusUrl, token, lastId } = current;
  stopWatching = watchGeneration(streamUrl, token, {
    onEvent: (event, id) => {
      if (current?.generationId !== generationId) return;
      window.__events.push({ id: Number(id), ...event });
      current.lastId = id;
      render(event);
      save();
    },
    onConnection: (state) => {
      if (current?.generationId !== generationId) return;
      $('connection').textContent = {
        connecting: 'Connecting…',
        open: 'Live',
        reconnecting: 'Connection lost: resuming where it left off…',
        closed: '',
      }[state] ?? '';
      $('connection').dataset.state = state;
    },
    onEnd: (reason, detail) => {
      if (current?.generationId !== generationId) return;
      ended(reason, detail);
    },
  }, { statusUrl, lastEventId: lastId });
}

function ended(reason, detail) {
  $('cancel').disabled = true;
  $('eta').textContent = '';
  const again = () => start(current.endpoint, current.request);
  switch (reason) {
    case 'completed':
      loadFiles();
      $('iterate-card').hidden = false;
      $('iterate-parent').textContent = current.generationId;
      break;
    case 'failed':
    case 'cancelled':
      // Already rendered from the terminal event; the files saved before it stay listed.
      loadFiles();
      break;
    case 'unauthorized':
    case 'forbidden':
      setStatus('unauthorized');
      $('files-note').textContent = 'The saved files cannot be listed without a valid token.';
      showError(`The stream token was refused: ${detail?.detail ?? 'it is not valid for this generation.'} `
        + 'Start again to get a new one.', 'Start again', again);
      break;
    case 'not_found':
      setStatus('not_found');
      $('files-note').textContent = '';
      showError('The server does not know this generation: it restarted and its progress was kept in memory only. '
        + 'Files saved before the restart are still on disk. Start again to run it anew.', 'Start again', again);
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
}

function render(event) {
  const percent = Math.round((event.progress ?? 0) * 100);
  $('progress-fill').style.width = `${percent}%`;
  $('progress-bar').setAttribute('aria-valuenow', String(percent));
  $('percent').textContent = `${percent}% complete`;
  setStatus(event.status);
  $('message').textContent = event.message ?? '';
  $('eta').textContent = event.status !== 'processing' || event.estimated_time_remaining == null ? ''
    : event.estimated_time_remaining < 1 ? 'almost done' : `about ${formatEta(event.estimated_time_remaining)} left`;

  const info = event.phase_info;
  if (info) {
    if (info.total_phases) current.totalPhases = info.total_phases;
    const phase = info.phase ?? info.current_phase;
    if (phase) {
      $('phase').textContent = `Phase ${phase}/${current.totalPhases ?? '?'}${info.name ? ` — ${info.name}` : ''}`;
    }
    if (info.total_files != null) current.generated = info.total_files;
  }
  showGenerated();

  if (event.warning_type) {
    const missing = event.missing_files?.length ? ` Missing: ${event.missing_files.join(', ')}.` : '';
    $('warning').textContent = `${event.message}${missing}`;
    $('warning').hidden = false;
  }

  if (event.status === 'failed') {
    showError(event.error ?? event.message, 'Retry', () => start(current.endpoint, current.request));
  } else if (event.status === 'cancelled') {
    $('connection').textContent = '';
  }

  if (event.stage?.endsWith('_complete')) {
    loadFiles();
  }
}

/** The saved files, live: after each phase is saved, and after the run ended however it ended. */
async function loadFiles() {
  if (!current) return;
  const { generationId, token } = current;
  const request = ++filesRequest;
  const response = await fetch(`/generations/${generationId}/files`, { headers: { Authorization: `Bearer ${token}` }, cache: 'no-store' })
    .catch(() => null);
  if (request !== filesRequest || current?.generationId !== generationId) return;
  if (!response?.ok) {
    $('files-note').textContent = response?.status === 401
      ? 'The stream token has expired: start again to see these files.'
      : 'The file list could not be loaded.';
    return;
  }

  const list = await response.json();
  $('files').replaceChildren(...list.files.map((file) => {
    const li = document.createElement('li');
    const a = document.createElement('a');
    a.href = withToken(`/generations/${generationId}/files/${file.path.split('/').map(encodeURIComponent).join('/')}`, token);
    a.textContent = file.path;
    a.target = '_blank';
    a.rel = 'noreferrer';
    li.append(a);
    return li;
  }));
  $('saved-count').textContent = String(list.files.length);
  $('files-note').textContent = list.files.length === 0 ? 'Nothing saved yet: files appear as each phase is saved.' : '';
  const archive = $('archive');
  archive.href = withToken(`/generations/${generationId}/archive`, token);
  archive.hidden = list.files.length === 0;
}

function reset() {
  window.__events = [];
  filesRequest++;
  $('progress-card').hidden = false;
  $('iterate-card').hidden = true;
  $('generation-id').textContent = current.generationId;
  $('parent').textContent = current.parentId ? `Iteration of ${current.parentId}` : '';
  $('progress-fill').style.width = '0%';
  $('progress-bar').setAttribute('aria-valuenow', '0');
  $('percent').textContent = '0% complete';
  $('message').textContent = '';
  $('phase').textContent = '';
  $('eta').textContent = '';
  $('connection').textContent = '';
  $('warning').hidden = true;
  $('error').hidden = true;
  $('files').replaceChildren();
  $('saved-count').textContent = '0';
  $('files-note').textContent = 'Nothing saved yet: files appear as each phase is saved.';
  $('archive').hidden = true;
  $('cancel').disabled = false;
  showGenerated();
  setStatus('queued');
}

function showGenerated() {
  const n = current?.generated ?? 0;
  $('file-count').textContent = `${n} ${n === 1 ? 'file' : 'files'} generated`;
}

function setStatus(status) {
  $('status').textContent = status;
  $('status').dataset.status = status;
  $('progress-card').dataset.status = status;
}

function showError(text, actionLabel, action) {
  $('progress-card').hidden = false;
  $('error-text').textContent = text;
  retryAction = action;
  $('retry').textContent = actionLabel ?? '';
  $('retry').hidden = !action;
  $('error').hidden = false;
}

/** A refused POST (400 bad input, 409 parent not finished, 503 queue full) is shown beside its form. */
function showRequestError(endpoint, text) {
  const element = endpoint.endsWith('/iterate') ? $('iterate-error') : $('start-error');
  element.textContent = text;
  element.hidden = false;
}

function setBusy(busy) {
  $('start').disabled = busy;
  $('iterate').disabled = busy;
}

function save() {
  sessionStorage.setItem(STORAGE_KEY, JSON.stringify(current));
}
