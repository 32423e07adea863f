// "Your generations": the signed-in user's generations from the server (GET /generations?owner=me), newest first, a
// page at a time ("Show older"). While any listed run is live the first page is read again every few seconds, so live
// runs move; the one shown moves with its own stream. Nothing of it is kept in the browser.

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

  $('generations').addEventListener('click', (e) => {
    const button = e.target.closest('button[data-open]');
    const item = button && items.find((i) => i.generation_id === button.dataset.open);
    if (item) open(toEntry(item));
  });
  $('generations-refresh').addEventListener('click', () => refresh());
  $('generations-more').addEventListener('click', more);
  document.addEventListener('visibilitychange', schedule);

  /** Reads the first page again; the older pages already shown stay (updated where the first page has them). */
  async function refresh({ reset = false } = {}) {
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
      next = page.next_cursor ?? null;
      render();
    } catch (error) {
      $('generations-error').textContent = `Older generations could not be loaded: ${error.message}`;
      $('generations-error').hidden = false;
    } finally {
      $('generations-more').disabled = false;
    }
  }

  // Live runs move without a stream each: the first page again every few seconds while one is live and the tab is seen.
  function schedule() {
    clearTimeout(timer);
    timer = null;
    if (document.hidden || !items.some((i) => !isTerminalStatus(i.status))) return;
    timer = setTimeout(() => refresh(), LIVE_REFRESH_MS);
  }

  function render() {
    $('generations-card').hidden = false;
    $('generations-note').textContent = items.length === 0
      ? 'Nothing yet: the generations you start appear here, on any browser where you sign in with the same name.'
      : 'Kept by the server under your name: on any browser where you sign in with the same name.';
    $('generations-more').hidden = !next;
    const shown = current()?.id;
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
      button.textContent = item.prompt || '(no prompt)';
      const meta = document.createElement('span');
      meta.className = 'muted small meta';
      const kind = item.retry_of ? `retry of ${item.retry_of.slice(0, 8)}`
        : item.parent_generation_id ? `iteration of ${item.parent_generation_id.slice(0, 8)}` : 'generation';
      const when = document.createElement('time');
      when.dateTime = item.created_at;
      when.title = new Date(item.created_at).toLocaleString();
      when.textContent = relativeTime(item.created_at);
      const live = isTerminalStatus(item.status) ? '' : ` · ${Math.round((item.progress ?? 0) * 100)}%`;
      const files = ` · ${item.file_count ?? 0} ${item.file_count === 1 ? 'file' : 'files'}`;
      meta.append(`${kind} · `, when, `${live}${files} · ${item.generation_id.slice(0, 8)}`);
      const spend = document.createElement('span');
      spend.className = 'muted small spend-line';
      spend.textContent = describeSpend(item).text;
      body.append(button, meta, spend);
      li.append(badge, body);
      return li;
    }));
  }

  return {
    refresh,
    render,
    /** The generation shown changed (its own stream): its row follows at once. */
    update(id, changes) {
      const item = items.find((i) => i.generation_id === id);
      if (!item) return;
      const before = `${item.status} ${item.progress}`;
      for (const [key, value] of Object.entries(changes)) if (value !== undefined && value !== null) item[key] = value;
      if (`${item.status} ${item.progress}` !== before) render();
    },
    clear() {
      request++;
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
    kind: item.retry_of ? 'retry' : item.parent_generation_id ? 'iterate' : 'start',
    prompt: item.prompt,
    parentId: item.parent_generation_id ?? null,
    retryOf: item.retry_of ?? null,
    request: null,
    budget: item.budget ?? null,
    createdAt: item.created_at,
    status: item.status,
    lastId: null,
    resumed: null,
  };
}
