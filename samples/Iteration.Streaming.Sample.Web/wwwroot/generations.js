// "Your generations": the signed-in user's generations from the server (GET /generations?owner=me), newest first, a
// page at a time ("Show older"). The live ones move over ONE connection, the owner's multiplexed stream
// (GET /generations/stream?owner=me, by the sign-in cookie): a progress bar and the stage on each live row, and a run
// started here or in another tab joins it. Only when that stream is refused (too many tabs open, signed out) does the
// list fall back to reading its first page every few seconds. Nothing of it is kept in the browser.

import { isTerminalStatus } from './lib/iteration-streaming-client/index.js';
import { relativeTime } from './session.js';
import { describeSpend } from './spend.js';

const $ = (id) => document.getElementById(id);
const PAGE = 10;
const LIVE_REFRESH_MS = 3000;

/**
 * @param {{api: object, current: () => object | null, open: (entry: object) => void}} deps
 *   api: the owner client; current(): the generation shown; open(entry): shows a generation of the list.
 */
export function createGenerationList({ api, current, open }) {
  let items = [];
  let next = null;       // the cursor of the next older page, null when the list is complete
  let request = 0;       // only the newest answer is shown
  let timer = null;
  let live = null;        // the owner's stream (watchMany), while signed in
  let members = new Map(); // generation id → its progress state from the stream
  const dirty = new Set(); // ids whose row shows an older state than the stream's
  let frame = 0;
  let reading = null;      // the refresh in flight, and whether another is due after it
  let readAgain = false;

  $('generations').addEventListener('click', (e) => {
    const button = e.target.closest('button[data-open]');
    const item = button && items.find((i) => i.generation_id === button.dataset.open);
    if (item) open(toEntry(item));
  });
  $('generations-refresh').addEventListener('click', () => {
    follow();
    refresh();
  });
  $('generations-more').addEventListener('click', more);
  document.addEventListener('visibilitychange', schedule);

  /** Reads the first page again; the older pages already shown stay (updated where the first page has them). */
  async function refresh({ reset = false } = {}) {
    if (reset) follow();
    const mine = ++request;
    let page;
    try {
      page = await api.list({ limit: PAGE });
    } catch (error) {
      if (mine !== request) return;
      $('generations-card').hidden = false;
      $('generations-error').textContent = `Your generations could not be loaded: ${error.message}`;
      $('generations-error').hidden = false;
      schedule();
      return;
    }
    if (mine !== request) return;
    $('generations-error').hidden = true;
    const fresh = page.generations ?? [];
    const ids = new Set(fresh.map((i) => i.generation_id));
    const older = reset ? [] : items.filter((i) => !ids.has(i.generation_id) && fresh.length > 0
      && Date.parse(i.created_at) <= Date.parse(fresh[fresh.length - 1].created_at));
    items = [...fresh, ...older];
    items.forEach(overlay);
    if (reset || older.length === 0) next = page.next_cursor ?? null;
    render();
    schedule();
  }

  async function more() {
    if (!next) return;
    const mine = ++request;
    $('generations-more').disabled = true;
    try {
      const page = await api.list({ limit: PAGE, cursor: next });
      if (mine !== request) return;
      const ids = new Set(items.map((i) => i.generation_id));
      items = [...items, ...(page.generations ?? []).filter((i) => !ids.has(i.generation_id))];
      items.forEach(overlay);
      next = page.next_cursor ?? null;
      render();
    } catch (error) {
      $('generations-error').textContent = `Older generations could not be loaded: ${error.message}`;
      $('generations-error').hidden = false;
    } finally {
      $('generations-more').disabled = false;
    }
  }

  /**
   * Follows every live generation of the user over one stream (`{owner: 'me'}`): each member's latest event first, then
   * each as it comes, and the runs started later. Nothing when it is open already.
   */
  function follow() {
    if (live) return;
    members = new Map();
    const handle = api.watchMine({
      onEvent: (event) => {
        members = handle.state.generations;
        const id = event.generation_id;
        if (!items.some((i) => i.generation_id === id)) {
          readSoon(); // started in another tab (or just now here): its row comes with the first page
          return;
        }
        dirty.add(id);
        if (!frame) frame = requestAnimationFrame(flush);
        // A saved phase changes what the list says of the run (its files and spend): the list is read again.
        if (event.stage?.endsWith('_complete')) readSoon();
      },
      // So does its end (and when it ended).
      onMemberEnd: () => readSoon(),
      onConnection: (state) => showLive(state),
      onEnd: (reason, error) => {
        if (live !== handle) return;
        live = null;
        if (reason === 'closed_by_client') return;
        showLive('closed', error);
        schedule();
      },
    });
    live = handle;
    clearTimeout(timer);
    timer = null;
  }

  /** One refresh after the one in flight, however many events asked for it meanwhile. */
  function readSoon() {
    if (reading) {
      readAgain = true;
      return;
    }
    reading = refresh().finally(() => {
      reading = null;
      if (readAgain) {
        readAgain = false;
        readSoon();
      }
    });
  }

  /** The rows the stream changed since the last frame, updated in place (a focused row keeps its focus). */
  function flush() {
    frame = 0;
    const changed = [];
    let rebuild = false;
    for (const id of dirty) {
      const item = items.find((i) => i.generation_id === id);
      if (!item) continue;
      const wasLive = !isTerminalStatus(item.status);
      overlay(item);
      const row = $('generations').querySelector(`li[data-id="${CSS.escape(id)}"]`);
      // A run that ended loses its bar (and one the list did not show yet gets its row): the list is drawn again.
      if (!row || wasLive !== !isTerminalStatus(item.status)) rebuild = true;
      else changed.push([row, item]);
    }
    dirty.clear();
    if (rebuild) render();
    else for (const [row, item] of changed) updateRow(row, item);
  }

  /**
   * The stream's state of a listed run over what the list said: the stream is newer, except when it has not seen the
   * end the list already knows.
   */
  function overlay(item) {
    const member = members.get(item.generation_id);
    if (!member || member.status === 'pending') return;
    if (isTerminalStatus(item.status) && !member.ended) return;
    Object.assign(item, { status: member.status, stage: member.stage ?? item.stage, progress: member.progress / 100 });
  }

  function showLive(state, error) {
    const note = $('generations-live');
    if (state === 'closed') {
      note.textContent = error ? `Live updates stopped: ${error.message} The list is read again every few seconds instead.` : '';
      note.hidden = !error;
      return;
    }
    note.hidden = state === 'open';
    note.textContent = state === 'open' ? '' : 'Connecting to live updates…';
  }

  // Without the stream (refused), live runs move by reading the first page again every few seconds while one is live.
  function schedule() {
    clearTimeout(timer);
    timer = null;
    if (live || document.hidden || !items.some((i) => !isTerminalStatus(i.status))) return;
    timer = setTimeout(() => refresh(), LIVE_REFRESH_MS);
  }

  function render() {
    $('generations-card').hidden = false;
    $('generations-note').textContent = items.length === 0
      ? 'Nothing yet: the generations you start appear here, on any browser where you sign in with the same name.'
      : 'Kept by the server under your name: on any browser where you sign in with the same name.';
    $('generations-more').hidden = !next;
    const shown = current()?.id;
    // The list is drawn again as runs move and end: a row button that had the focus keeps it.
    const focused = $('generations').contains(document.activeElement) ? document.activeElement.id : '';
    $('generations').replaceChildren(...items.map((item) => {
      const li = document.createElement('li');
      li.dataset.id = item.generation_id;
      if (item.generation_id === shown) li.setAttribute('aria-current', 'true');
      const badge = document.createElement('span');
      badge.className = 'badge';
      badge.dataset.status = item.status;
      badge.textContent = item.status.replace('_', ' ');
      const body = document.createElement('div');
      body.className = 'entry';
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'link';
      button.dataset.open = item.generation_id;
      button.id = `open-${item.generation_id}`;
      button.textContent = item.prompt || '(no prompt)';
      const meta = document.createElement('span');
      meta.className = 'muted small meta';
      const kind = item.retry_of ? `retry of ${item.retry_of.slice(0, 8)}`
        : item.forked_from ? `fork of ${item.forked_from.slice(0, 8)} from phase ${item.from_phase}`
          : item.parent_generation_id ? `iteration of ${item.parent_generation_id.slice(0, 8)}` : 'generation';
      const when = document.createElement('time');
      when.dateTime = item.created_at;
      when.title = new Date(item.created_at).toLocaleString();
      when.textContent = relativeTime(item.created_at);
      const files = ` · ${item.file_count ?? 0} ${item.file_count === 1 ? 'file' : 'files'}`;
      meta.append(`${kind} · `, when, `${files} · ${item.generation_id.slice(0, 8)}`);
      const spend = document.createElement('span');
      spend.className = 'muted small spend-line';
      spend.textContent = describeSpend(item).text;
      body.append(button, meta);
      if (!isTerminalStatus(item.status)) body.append(liveBlock(button.id));
      body.append(spend);
      li.append(badge, body);
      updateRow(li, item);
      return li;
    }));
    if (focused) document.getElementById(focused)?.focus();
  }

  /** A live row's progress bar (named by the row's prompt) and its stage. */
  function liveBlock(labelId) {
    const block = document.createElement('div');
    block.className = 'live-progress';
    const bar = document.createElement('div');
    bar.className = 'progress-bar small-bar';
    bar.setAttribute('role', 'progressbar');
    bar.setAttribute('aria-labelledby', labelId);
    bar.setAttribute('aria-valuemin', '0');
    bar.setAttribute('aria-valuemax', '100');
    const fill = document.createElement('div');
    fill.className = 'progress-fill';
    bar.append(fill);
    const stage = document.createElement('span');
    stage.className = 'muted small stage';
    block.append(bar, stage);
    return block;
  }

  /** The parts of a row the stream moves: its badge, and while it is live its bar and stage. */
  function updateRow(li, item) {
    const badge = li.querySelector('.badge');
    badge.dataset.status = item.status;
    badge.textContent = item.status.replace('_', ' ');
    li.querySelector('.spend-line').textContent = describeSpend(item).text;
    const bar = li.querySelector('[role="progressbar"]');
    if (!bar) return;
    const member = members.get(item.generation_id);
    const percent = Math.round(member && member.status !== 'pending' ? member.progress : (item.progress ?? 0) * 100);
    const stage = stageText(member, item);
    bar.dataset.status = item.status;
    bar.querySelector('.progress-fill').style.width = `${percent}%`;
    bar.setAttribute('aria-valuenow', String(percent));
    bar.setAttribute('aria-valuetext', `${percent}%${stage ? `, ${stage.replace('/', ' of ')}` : ''}`);
    li.querySelector('.stage').textContent = `${percent}%${stage ? ` · ${stage}` : ''}`;
  }

  return {
    refresh,
    render,
    /** The generation shown changed (its own stream): its row follows at once. */
    update(id, changes) {
      const item = items.find((i) => i.generation_id === id);
      if (!item) return;
      const before = `${item.status} ${item.progress}`;
      const wasLive = !isTerminalStatus(item.status);
      for (const [key, value] of Object.entries(changes)) if (value !== undefined && value !== null) item[key] = value;
      if (`${item.status} ${item.progress}` === before) return;
      const row = $('generations').querySelector(`li[data-id="${CSS.escape(id)}"]`);
      if (row && wasLive === !isTerminalStatus(item.status)) updateRow(row, item);
      else render();
    },
    clear() {
      request++;
      const open = live;
      live = null;
      open?.close();
      members = new Map();
      dirty.clear();
      $('generations-live').hidden = true;
      clearTimeout(timer);
      items = [];
      next = null;
      $('generations').replaceChildren();
      $('generations-card').hidden = true;
    },
  };
}

/** A list item as the page's generation entry (its lineage; the request is not listed, so "Start again" is not offered). */
function toEntry(item) {
  return {
    id: item.generation_id,
    kind: item.retry_of ? 'retry' : item.forked_from ? 'fork' : item.parent_generation_id ? 'iterate' : 'start',
    prompt: item.prompt,
    parentId: item.parent_generation_id ?? null,
    retryOf: item.retry_of ?? null,
    forkedFrom: item.forked_from ?? null,
    fromPhase: item.from_phase ?? null,
    request: null,
    budget: item.budget ?? null,
    createdAt: item.created_at,
    status: item.status,
    lastId: null,
    resumed: null,
  };
}

const STAGES = { queued: 'Queued', initializing: 'Starting', awaiting_input: 'Waiting for your review', input_received: 'Input received', resumed: 'Resumed' };

/** What a live row says of its stage: "Phase 2/5 — User Entity" while a phase runs, else the stage in words. */
function stageText(member, item) {
  const info = member?.phaseInfo;
  const phase = info?.phase ?? (info?.current_phase || null);
  if (phase && member.stage !== 'awaiting_input') {
    const name = member.phases.find((p) => p.phase === phase)?.name ?? info?.name;
    return `Phase ${phase}/${member.totalPhases ?? '?'}${name ? ` — ${name}` : ''}`;
  }
  const stage = member?.stage ?? item.stage;
  return stage ? STAGES[stage] ?? stage.replaceAll('_', ' ') : '';
}
