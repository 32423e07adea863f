// The demo page: the guide's flow (POST, then EventSource on stream_url with the token), on top of iteration-stream.js.
import { watchGeneration, withToken, formatEta } from './iteration-stream.js';

const $ = (id) => document.getElementById(id);
let current = null;        // { generationId, token, streamUrl, statusUrl, request }
let stopWatching = null;
let refreshFiles = null;

$('start-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const entities = $('entities').value.split(',').map((s) => s.trim()).filter(Boolean);
  await start('/generations', { prompt: $('prompt').value, entities });
});

$('iterate-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  await start('/generations/iterate', {
    parent_generation_id: current.generationId,
    modification_prompt: $('modification').value,
  });
});

$('retry').addEventListener('click', () => current && start(current.endpoint, current.request));

$('cancel').addEventListener('click', async () => {
  if (!current) return;
  $('cancel').disabled = true;
  await fetch(`/generations/${current.generationId}`, {
    method: 'DELETE',
    headers: { Authorization: `Bearer ${current.token}` },
  });
});

async function start(endpoint, request) {
  setBusy(true);
  try {
    const response = await fetch(endpoint, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(request),
    });
    const body = await response.json().catch(() => ({}));
    if (response.status !== 202) {
      showError(body.detail ?? body.title ?? `The server answered ${response.status}.`, false);
      return;
    }

    current = {
      generationId: body.generation_id,
      token: body.sse_token,
      streamUrl: body.stream_url,
      statusUrl: body.status_url,
      endpoint,
      request,
    };
    reset();
    watch();
  } finally {
    setBusy(false);
  }
}

function watch() {
  if (stopWatching) stopWatching();
  const { streamUrl, statusUrl, token } = current;
  stopWatching = watchGeneration(streamUrl, token, {
    onEvent: render,
    onConnection: (state) => {
      $('connection').textContent = {
        connecting: 'Connecting…',
        open: 'Live',
        reconnecting: 'Connection lost, resuming where it left off…',
        closed: '',
      }[state] ?? '';
    },
    onEnd: (reason, detail) => {
      $('cancel').disabled = true;
      loadFiles();
      if (reason === 'completed') {
        $('iterate-card').hidden = false;
        $('iterate-parent').textContent = current.generationId;
      } else if (reason === 'failed' || reason === 'cancelled') {
        // already rendered from the event
      } else if (reason === 'unauthorized' || reason === 'forbidden') {
        setStatus('unauthorized');
        showError('The stream token is no longer valid. Start again to get a new one.', false);
      } else if (reason === 'not_found') {
        setStatus('not_found');
        showError('This generation is not known to the server (it may have restarted).', false);
      } else if (reason !== 'closed_by_client') {
        showError(detail?.detail ?? 'The stream ended unexpectedly.', true);
      }
    },
  }, { statusUrl });
}

function render(event) {
  const percent = Math.round((event.progress ?? 0) * 100);
  $('progress-fill').style.width = `${percent}%`;
  $('progress-bar').setAttribute('aria-valuenow', String(percent));
  $('percent').textContent = `${percent}% complete`;
  setStatus(event.status);
  $('message').textContent = event.message ?? '';
  $('eta').textContent = event.estimated_time_remaining != null && event.status === 'processing'
    ? `about ${formatEta(event.estimated_time_remaining)} left` : '';

  const info = event.phase_info;
  if (info) {
    const phase = info.phase ?? info.current_phase;
    if (info.total_phases) current.totalPhases = info.total_phases;
    if (phase) {
      $('phase').textContent = `Phase ${phase}/${current.totalPhases ?? '?'}${info.name ? ` — ${info.name}` : ''}`;
    }
    if (info.total_files != null) {
      $('file-count').textContent = `${info.total_files} files generated`;
    }
  }

  if (event.warning_type) {
    const missing = event.missing_files?.length ? ` Missing: ${event.missing_files.join(', ')}` : '';
    $('warning').textContent = `${event.message}${missing}`;
    $('warning').hidden = false;
  }

  if (event.status === 'failed') {
    showError(event.error ?? event.message, true);
  }

  if (event.stage?.endsWith('_complete') || event.status !== 'processing') {
    loadFiles();
  }
}

async function loadFiles() {
  if (!current) return;
  const { generationId, token } = current;
  const response = await fetch(`/generations/${generationId}/files`, { headers: { Authorization: `Bearer ${token}` } });
  if (!response.ok || current?.generationId !== generationId) return;
  const list = await response.json();
  const items = list.files.map((file) => {
    const li = document.createElement('li');
    const a = document.createElement('a');
    a.href = withToken(`/generations/${generationId}/files/${file.path.split('/').map(encodeURIComponent).join('/')}`, token);
    a.textContent = file.path;
    a.target = '_blank';
    a.rel = 'noreferrer';
    li.append(a);
    return li;
  });
  $('files').replaceChildren(...items);
  $('file-count').textContent = `${list.files.length} files saved`;
  const archive = $('archive');
  archive.href = withToken(`/generations/${generationId}/archive`, token);
  archive.hidden = list.files.length === 0;
}

function reset() {
  $('progress-card').hidden = false;
  $('iterate-card').hidden = true;
  $('generation-id').textContent = current.generationId;
  $('progress-fill').style.width = '0%';
  $('percent').textContent = '0% complete';
  $('message').textContent = '';
  $('phase').textContent = '';
  $('eta').textContent = '';
  $('file-count').textContent = '0 files saved';
  $('warning').hidden = true;
  $('error').hidden = true;
  $('files').replaceChildren();
  $('archive').hidden = true;
  $('cancel').disabled = false;
  setStatus('queued');
}

function setStatus(status) {
  $('status').textContent = status;
  $('status').dataset.status = status;
}

function showError(text, canRetry) {
  $('progress-card').hidden = false;
  $('error-text').textContent = text;
  $('retry').hidden = !canRetry;
  $('error').hidden = false;
}

function setBusy(busy) {
  $('start').disabled = busy;
  $('iterate').disabled = busy;
}
