// The signed-in user's generations: GET {prefix}?owner=me, newest first, paged by an opaque cursor. No token: the
// browser's credentials (a same-origin cookie) name the user. Also the pager the React hook and the Vue composable share.

const STATUSES = new Set(['queued', 'processing', 'awaiting_input', 'completed', 'failed', 'cancelled']);
const MAX_LIMIT = 100;
const MAX_CURSOR = 512;

/**
 * The query string of a list request, checked as the server checks it: a misuse throws at once, naming the field.
 * @param {{status?: string|null, limit?: number|null, cursor?: string|null}} query
 */
export function listQuery({ status, limit, cursor } = {}) {
  const params = new URLSearchParams({ owner: 'me' });
  if (status != null) {
    if (!STATUSES.has(status)) throw new TypeError(`status must be one of ${[...STATUSES].join(', ')}, but was '${status}'.`);
    params.set('status', status);
  }
  if (limit != null) {
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) throw new RangeError(`limit must be an integer from 1 to ${MAX_LIMIT}, but was ${limit}.`);
    params.set('limit', String(limit));
  }
  if (cursor != null) {
    if (typeof cursor !== 'string' || cursor === '' || cursor.length > MAX_CURSOR) {
      throw new TypeError(`cursor must be the next_cursor the server sent (1 to ${MAX_CURSOR} characters), or null for the first page.`);
    }
    params.set('cursor', cursor);
  }
  return `?${params}`;
}

/**
 * Every generation of the user, page after page (each page asked for when the one before has been consumed). Stops with
 * an Error rather than loop when a server sends a cursor twice.
 * @param {(query: object) => Promise<{generations: object[], next_cursor?: string}>} listPage
 */
export async function* listAll(listPage, { status, pageSize = 20 } = {}) {
  const seen = new Set();
  let cursor = null;
  for (;;) {
    const page = await listPage({ status, limit: pageSize, cursor });
    yield* page.generations ?? [];
    cursor = page.next_cursor ?? null;
    if (cursor === null) return;
    if (seen.has(cursor)) throw new Error('The server sent a list cursor it had sent before; the listing stopped rather than loop.');
    seen.add(cursor);
  }
}

/** The list state before the first page. */
export function initialListState() {
  return { generations: [], nextCursor: null, hasMore: false, loading: false, error: null };
}

/**
 * A list that loads its first page on refresh() and appends the next on loadMore(); `onChange(state)` after each
 * change. An answer that arrives after a newer refresh, or after dispose(), is dropped.
 * @param {{listGenerations: Function}} client
 * @param {{status?: string|null, limit?: number|null}} query
 * @param {(state: object) => void} onChange
 */
export function createGenerationPager(client, { status = null, limit = null } = {}, onChange = () => {}) {
  let state = initialListState();
  let ticket = 0;
  let disposed = false;

  const set = (next) => {
    state = next;
    if (!disposed) onChange(state);
  };

  const load = async (cursor, append) => {
    const mine = ++ticket;
    set({ ...state, loading: true, error: null });
    try {
      const page = await client.listGenerations({ status, limit, cursor });
      if (mine !== ticket || disposed) return;
      const known = new Set(append ? state.generations.map((g) => g.generation_id) : []);
      const added = (page.generations ?? []).filter((g) => !known.has(g.generation_id));
      const next = page.next_cursor ?? null;
      set({ generations: append ? [...state.generations, ...added] : added, nextCursor: next, hasMore: next !== null, loading: false, error: null });
    } catch (error) {
      if (mine !== ticket || disposed) return;
      set({ ...state, loading: false, error });
    }
  };

  return {
    get state() { return state; },
    /** Loads the first page again (a new generation shows at the top). */
    refresh: () => load(null, false),
    /** Appends the next page; nothing while one loads or when there is none. */
    loadMore: () => (state.loading || !state.nextCursor ? Promise.resolve() : load(state.nextCursor, true)),
    dispose: () => { disposed = true; },
  };
}
