// The HTTP calls of MapIterationStream(): start, iterate, retry, fork, revert, cancel, input, snapshot, files, diff,
// the signed-in user's list, and watching many generations over one connection (watchMany).
//
// Two tokens come back from start, iterate, retry, fork and revert: the read token (`sse_token`: stream, snapshot,
// files, zip, diff; it may travel in a URL because EventSource cannot send headers) and the control token
// (`control_token`: iterate from this generation, cancel, retry, fork, revert, input at a review gate). The control token is only ever sent in the Authorization header.
// A token of `null` means "by ownership": no token is sent, and the browser's credentials (a same-origin cookie) let a
// server with an owner resolver answer the generation's owner. A token left out (undefined) or empty is a mistake, and throws.

import { listAll, listQuery } from './list.js';
import { applyWatchManyEvent, initialWatchManyState } from './progress.js';
import { resolveUrl, unreachable, watchGeneration, watchMultiplexed, withQuery, withToken } from './watch.js';

/** The Problem Details `type` of a budget refusal (429). */
export const BUDGET_EXCEEDED_TYPE = 'https://iteration-streaming.dev/problems/budget-exceeded';

/**
 * A refused request: `status` is the HTTP status (0 when no answer came: refused by CORS or unreachable), `problem` its
 * Problem Details, `cause` the browser's own error when there was no answer.
 */
export class GenerationApiError extends Error {
  constructor(status, problem, options) {
    super(problem?.detail ?? problem?.title ?? (status === 0 ? 'The server could not be reached, or CORS refused the request.' : `The server answered ${status}.`), options);
    this.name = 'GenerationApiError';
    this.status = status;
    this.problem = problem ?? {};
  }
}

/**
 * A refusal for a budget (429, Problem Details of type BUDGET_EXCEEDED_TYPE): which limit (`owner_tokens_per_day`,
 * `owner_concurrent_generations` or a host policy's own), its value, how much is used, when it resets, and the server's
 * Retry-After in seconds (readable cross-origin only when the host exposes the header).
 */
export class BudgetExceededError extends GenerationApiError {
  constructor(status, problem, options) {
    super(status, problem, options);
    this.name = 'BudgetExceededError';
    const p = this.problem;
    this.limit = typeof p.limit === 'string' ? p.limit : '';
    this.allowed = Number.isFinite(p.allowed) ? p.allowed : null;
    this.used = Number.isFinite(p.used) ? p.used : null;
    const resets = typeof p.resets_at === 'string' ? new Date(p.resets_at) : null;
    this.resetsAt = resets && Number.isFinite(resets.getTime()) ? resets : null;
    this.retryAfter = Number.isFinite(options?.retryAfter) ? options.retryAfter : null;
  }
}

/**
 * A client for one host's generations routes.
 * @param {{baseUrl?: string, prefix?: string, fetch?: typeof fetch, EventSource?: any, credentials?: RequestCredentials}} [options]
 *   baseUrl: where the host is (a page leaves it out: same origin); prefix: the route group (default `/generations`);
 *   credentials: fetch's credentials mode for every call (default 'same-origin'; 'include' also opens the stream
 *   withCredentials). The server answers the list and ownership only to its own pages.
 */
export function createGenerationsClient(options = {}) {
  const baseUrl = options.baseUrl;
  const prefix = (options.prefix ?? '/generations').replace(/\/$/, '');
  const fetchFn = options.fetch ?? globalThis.fetch.bind(globalThis);
  const credentials = options.credentials ?? 'same-origin';
  const url = (path) => resolveUrl(`${prefix}${path}`, baseUrl);
  const id = (generationId) => {
    if (typeof generationId !== 'string' || generationId === '') throw new TypeError('A generation id is required.');
    return encodeURIComponent(generationId);
  };

  const send = (address, init) => request(fetchFn, address, { credentials, ...init });
  const listGenerations = async (query = {}) => (await send(url(listQuery(query)), {})).json();

  const post = async (path, body, headers = {}) => {
    const response = await send(url(path), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return response.json();
  };

  return {
    /**
     * POST /generations: starts a generation. Resolves with the 202 body (with `budget`, what the run is held to).
     * A `budget` value below 1 throws at once; a budget refusal rejects with a BudgetExceededError.
     */
    start: (body) => {
      checkBudget(body?.budget);
      return post('', body);
    },

    /**
     * POST /generations/iterate with the parent's control token (`null`: by ownership); `{review, budget}` choose its
     * review gates and its token budget.
     */
    iterate: (parentGenerationId, modificationPrompt, parentControlToken, { review, budget } = {}) => {
      checkBudget(budget);
      return post(
        '/iterate',
        { parent_generation_id: parentGenerationId, modification_prompt: modificationPrompt, ...(review === undefined ? {} : { review }), ...(budget === undefined ? {} : { budget }) },
        bearer(parentControlToken));
    },

    /**
     * POST /generations/{id}/retry: the same generation's saved phases reused by a new one, for a failed or cancelled
     * run. `{review, budget}` go in the body (a raised budget after `budget_exceeded`); with neither, no body (as before).
     */
    retry: (generationId, controlToken, { review, budget } = {}) => {
      checkBudget(budget);
      const body = review === undefined && budget === undefined
        ? undefined
        : { ...(review === undefined ? {} : { review }), ...(budget === undefined ? {} : { budget }) };
      return post(`/${id(generationId)}/retry`, body, bearer(controlToken));
    },

    /**
     * POST /generations/{id}/fork: a new generation that keeps phases 1..fromPhase of this one (sharing their files) and
     * generates only the later ones, with `modificationPrompt` in their context. `token`: the control token (`null`: by
     * ownership). Resolves with the 202 body (`forked_from`, `from_phase`); 400 past the last saved phase, 409 while it runs.
     */
    fork: (generationId, { fromPhase, modificationPrompt, review, budget, token } = {}) =>
      post(`/${id(generationId)}/fork`, forkBody({ fromPhase, modificationPrompt, review, budget }), bearer(token)),

    /**
     * POST /generations/{id}/revert: a new iteration of this generation whose `paths` are restored as they were in `to`
     * (another generation's id, or `phase:{k}` of this one), deleted where they did not exist there; no model call.
     * `token`: the control token (`null`: by ownership). When `to` is another generation, `toToken` is its read token
     * (sent as `?to_token=`; left out: read by ownership). Resolves with the 202 body; 409 while it runs or for a locked path.
     */
    revert: (generationId, { paths, to, token, toToken } = {}) =>
      post(`/${id(generationId)}/revert${otherTokenQuery(to, toToken, 'to', 'toToken')}`, revertBody({ paths, to }), bearer(token)),

    /**
     * GET /generations/{id}/diff?against=…: how this generation's files differ from `against` (another generation's id,
     * or `phase:{k}` of this one). `token`: this generation's read or control token in the Authorization header (`null`:
     * by ownership); `againstToken`: the other generation's read token, sent in the query (left out: by ownership).
     * Resolves with the diff (`{files, summary, truncated, limits, ...}`), or with `patch: true` the patch text
     * (`Accept: text/x-diff`) that `git apply` takes. 403 names the generation refused; 400 an unsaved phase.
     */
    diff: (generationId, { against, token, againstToken, patch = false } = {}) => {
      // Checked here, so a misuse throws at once rather than rejecting.
      const address = url(`/${id(generationId)}/diff${diffQuery(against, againstToken)}`);
      const headers = { ...bearer(token), ...(patch ? { Accept: PATCH_TYPE } : {}) };
      return send(address, { headers }).then((response) => (patch ? patchText(response) : response.json()));
    },

    /**
     * GET /generations?owner=me: one page of the signed-in user's generations, newest first (`{generations,
     * next_cursor?}`). No token: the browser's credentials name the user (401 when nobody is signed in, 403 from
     * another site, 404 when the host lists no owners). A status, limit or cursor the server would refuse throws at once, naming it.
     */
    listGenerations,

    /** Every generation of the signed-in user, newest first, a page of `pageSize` at a time: `for await (const g of ...)`. */
    listAllGenerations: ({ status, pageSize = 20 } = {}) => {
      listQuery({ status, limit: pageSize }); // a misuse throws here, not at the first iteration
      return listAll(listGenerations, { status, pageSize });
    },

    /**
     * POST /generations/{id}/input: the user's answer at a review gate (`approve`, `revise_plan`, `edit_files`, `lock`,
     * `instruct`, `cancel`), or an instruction while a phase runs. Resolves with the 202 body
     * (`{generation_id, action, event_id, status}`); a refusal rejects with a GenerationApiError (400 naming the field,
     * 409 naming the status when the run is not at a gate, 429 past the instruction cap).
     */
    sendInput: (generationId, input, { controlToken } = {}) =>
      postInput(fetchFn, url(`/${id(generationId)}/input`), input, controlToken, credentials),

    /** DELETE /generations/{id}: resolves `true` when the run is being cancelled, `false` when it had already ended (409). */
    cancel: async (generationId, controlToken) => {
      try {
        await send(url(`/${id(generationId)}`), { method: 'DELETE', headers: bearer(controlToken) });
        return true;
      } catch (error) {
        if (error.status === 409) return false;
        throw error;
      }
    },

    /** GET /generations/{id}: the latest snapshot. */
    snapshot: async (generationId, token) =>
      (await send(url(`/${id(generationId)}`), { headers: bearer(token) })).json(),

    /**
     * GET /generations/{id}/live: the phase in progress as it stands (`{generation_id, status, phase?, sequence,
     * current_file?, files: [{path, text?, offset, complete, deleted?}]}`): its finished files and the text so far of the
     * one being written, as of event `sequence`. No phase in progress: no `phase`, no files. The watcher reads it by
     * itself (see watchGeneration's `onLive`); this is for a page that folds the events on its own.
     */
    live: async (generationId, token) =>
      (await send(url(`/${id(generationId)}/live`), { headers: bearer(token) })).json(),

    /** GET /generations/{id}/files: the files saved so far. */
    files: async (generationId, token) =>
      (await send(url(`/${id(generationId)}/files`), { headers: bearer(token) })).json(),

    /**
     * One file's text, read with the token in the header. Past `maxBytes` (default 256 KiB) only that many bytes are
     * read and `truncated` is true, so a page never pulls a huge file into the DOM.
     */
    readFile: async (generationId, path, token, { maxBytes = 256 * 1024 } = {}) => {
      const response = await send(url(`/${id(generationId)}/files/${encodePath(path)}`), { headers: bearer(token) });
      const { bytes, truncated } = await readAtMost(response, maxBytes);
      return { text: new TextDecoder().decode(bytes), truncated, contentType: response.headers.get('Content-Type') ?? '' };
    },

    /** A link to one file (read token in the query, for an `<a href>` or a download; `null`: by ownership, no token). */
    fileUrl: (generationId, path, token) => linkWith(url(`/${id(generationId)}/files/${encodePath(path)}`), token),

    /** A link to the zip of the files saved so far (`null` token: by ownership). */
    archiveUrl: (generationId, token) => linkWith(url(`/${id(generationId)}/archive`), token),

    /**
     * watchGeneration on a 202 answer (start, iterate or retry), or on a listed generation (`{generation_id}` without
     * `sse_token`): then the stream opens without a token, by ownership, with the client's credentials.
     */
    watch: (started, handlers, watchOptions = {}) => {
      const listed = started?.sse_token === undefined;
      const streamUrl = started?.stream_url ?? `${prefix}/${id(started?.generation_id)}/stream`;
      return watchGeneration(streamUrl, listed ? null : started.sse_token, handlers, {
        statusUrl: started.status_url ?? (listed ? `${prefix}/${id(started.generation_id)}` : undefined),
        baseUrl,
        fetch: fetchFn,
        EventSource: options.EventSource,
        credentials,
        ...watchOptions,
      });
    },

    /**
     * Many generations over ONE connection (`GET {prefix}/stream`). `{generations: [{id, token}]}`: POST {prefix}/watch
     * names the set (`token` null: by ownership), then one EventSource reads it with the watch token; `{owner: 'me'}`:
     * the signed-in user's live generations and every one they start later. See watchMany below.
     */
    watchMany: (target, watchOptions = {}) => watchManyWith({ send, url, baseUrl, prefix, fetchFn, credentials, EventSource: options.EventSource }, target, watchOptions),
  };
}

/**
 * Watches many generations over one connection: `createGenerationsClient(options).watchMany(target, options)`.
 * @param {{generations: Array<{id: string, token: string|null}>} | {owner: 'me'}} target
 * @param {object} [options]  The client's (`baseUrl`, `prefix`, `fetch`, `EventSource`, `credentials`), and watchMany's.
 */
export function watchMany(target, options = {}) {
  return createGenerationsClient(options).watchMany(target, options);
}

const noop = () => {};
// Events already delivered are recognised by their data, byte for byte: a few per generation are enough, since only a
// reopened stream could repeat one, and it repeats at most the latest of each member (a `from=now` start).
const REMEMBERED_PER_GENERATION = 16;

/** The watch behind client.watchMany: checks the target at once, names the set, opens the stream, folds the events. */
function watchManyWith(client, target, options) {
  const { from, maxRetries, onEvent = noop, onMemberEnd = noop, onConnection = noop, onError = noop, onEnd = noop, onChange = noop } = options;
  const plan = watchPlan(target, from);
  if (typeof (client.EventSource ?? globalThis.EventSource) !== 'function') {
    throw new TypeError('watchMany: no EventSource here; pass options.EventSource (for example the "eventsource" package on Node.js).');
  }
  let state = initialWatchManyState(plan.members?.map((m) => m.id));
  let done = false;
  let completing = false;
  let stopStream = null;
  const recent = new Map();

  const set = (next) => {
    state = next;
    onChange(state);
  };

  const end = (reason, error) => {
    if (done) return;
    done = true;
    stopStream?.();
    set({ ...state, connection: 'closed', ended: reason, error: error ?? null });
    if (error) onError(error);
    onEnd(reason, error ?? undefined);
  };

  const connection = (value) => {
    // 'closed' is set with the end, in one change; the stream's own 'connecting' after the watch request's is no news.
    if (done || value === 'closed' || value === state.connection) return;
    set({ ...state, connection: value });
    onConnection(value);
  };

  const message = (event, cursor, data) => {
    const id = event?.generation_id;
    if (done || typeof id !== 'string' || id === '') return;
    const seen = recent.get(id) ?? [];
    if (seen.includes(data) || state.generations.get(id)?.ended) return;
    seen.push(data);
    if (seen.length > REMEMBERED_PER_GENERATION) seen.shift();
    recent.set(id, seen);

    set(applyWatchManyEvent(state, event, { id: cursor }));
    onEvent(event, cursor);
    const member = state.generations.get(id);
    if (member.ended) {
      recent.delete(id);
      onMemberEnd(id, event);
    }
    // A watch set is over once every member's terminal event arrived: closed here, before the server's 204.
    if (plan.members && !done && [...state.generations.values()].every((m) => m.ended)) {
      completing = true;
      stopStream?.();
    }
  };

  const open = (streamUrl) => {
    if (done) return;
    stopStream = watchMultiplexed(streamUrl, { onMessage: message, onConnection: connection, onEnd: (reason, error) => end(completing ? 'ended' : reason, error) }, {
      EventSource: client.EventSource,
      fetch: client.fetchFn,
      credentials: client.credentials,
      maxRetries,
      makeError: (status, problem) => new GenerationApiError(status, problem),
    });
  };

  connection('connecting');
  if (plan.members) {
    const body = { generations: plan.members.map(({ id, token }) => (token === null ? { id } : { id, token })) };
    client.send(client.url('/watch'), { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) })
      .then((response) => response.json())
      .then((named) => {
        if (typeof named?.watch_token !== 'string' || typeof named?.stream_url !== 'string') {
          throw new GenerationApiError(200, { detail: 'The watch answer has no watch_token or stream_url: is the server older than watchMany?' });
        }
        const address = withToken(resolveUrl(named.stream_url, client.baseUrl), named.watch_token);
        open(plan.from === 'start' ? withQuery(address, 'from', 'start') : address);
      })
      .catch((error) => end(REFUSAL[error?.status] ?? 'error', error instanceof GenerationApiError ? error : new GenerationApiError(0, { detail: String(error?.message ?? error) }, { cause: error })));
  } else {
    const address = resolveUrl(`${client.prefix}/stream?owner=me`, client.baseUrl);
    open(plan.from === 'start' ? withQuery(address, 'from', 'start') : address);
  }

  return {
    get state() { return state; },
    /** The latest event of one generation, or undefined before its first. */
    latest: (id) => state.generations.get(id)?.event ?? undefined,
    close: () => end('closed_by_client'),
  };
}

const REFUSAL = { 400: 'bad_request', 401: 'unauthorized', 403: 'forbidden', 404: 'not_found', 413: 'bad_request', 429: 'too_many_streams' };

/** The target of watchMany, checked as far as the client can: a misuse throws at once, naming it. */
function watchPlan(target, from) {
  if (from !== undefined && from !== null && from !== 'now' && from !== 'start') {
    throw new RangeError(`from must be 'now' or 'start', but was '${from}'.`);
  }
  const fromValue = from ?? 'now';
  if (!target || typeof target !== 'object' || Array.isArray(target)) {
    throw new TypeError("watchMany: the target must be { generations: [{ id, token }] } or { owner: 'me' }.");
  }
  if ('owner' in target) {
    if (target.owner !== 'me') throw new TypeError(`watchMany: owner must be 'me' (the signed-in user), but was '${target.owner}'.`);
    if ('generations' in target) throw new TypeError("watchMany: give either generations or owner: 'me', not both.");
    return { members: null, from: fromValue };
  }
  const list = target.generations;
  if (!Array.isArray(list) || list.length === 0) {
    throw new TypeError('watchMany: generations must be a non-empty array of { id, token } (token null: by ownership).');
  }
  const members = list.map((entry, i) => {
    if (!entry || typeof entry !== 'object' || typeof entry.id !== 'string' || entry.id === '') {
      throw new TypeError(`watchMany: generations[${i}].id is required (a generation id).`);
    }
    if (entry.token !== null && (typeof entry.token !== 'string' || entry.token === '')) {
      throw new TypeError(`watchMany: generations[${i}].token is required: its sse_token or control_token, or null to watch it by ownership.`);
    }
    return { id: entry.id, token: entry.token };
  });
  return { members, from: fromValue };
}

/**
 * POSTs one input to an input URL (`{status_url}/input`) with the control token in the header: what `sendInput` of the
 * client, the React hook and the Vue composable share.
 */
export function postInput(fetchFn, address, input, controlToken, credentials = 'same-origin') {
  // Misuse throws at once, as a missing token does for the other calls; the server names what is wrong in the rest.
  if (!input || typeof input !== 'object' || Array.isArray(input)) throw new TypeError('The input must be an object such as { action: \'approve\' }.');
  if (typeof input.action !== 'string' || input.action === '') throw new TypeError('The input needs an action (approve, revise_plan, edit_files, lock, instruct or cancel).');
  const init = { method: 'POST', credentials, headers: { 'Content-Type': 'application/json', ...bearer(controlToken) }, body: JSON.stringify(input) };
  return request(fetchFn, address, init).then((response) => response.json());
}

const PATCH_TYPE = 'text/x-diff';
// What the server's state reference parser takes: a generation id, or phase:{k} with k a phase number (no leading zero).
const REFERENCE = /^(?:phase:(?:0|[1-9][0-9]{0,3})|[A-Za-z0-9_-]{1,128})$/;
const ECHO = 40;
const echo = (value) => (value.length > ECHO ? `${value.slice(0, ECHO)}…` : value);

/**
 * A state reference (`against` of a diff, `to` of a revert) as the server parses it; a misuse throws at once, naming
 * the field. Returns whether it names a phase.
 */
export function checkReference(value, name) {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new TypeError(`${name} is required: a generation id, or 'phase:{k}' for a saved phase.`);
  }
  if (!REFERENCE.test(value)) {
    throw new RangeError(`${name} must be a generation id or 'phase:{k}' (k a phase number; 0 is what the generation started with), but was '${echo(value)}'.`);
  }
  return value.startsWith('phase:');
}

/** `?{name}_token=…` for the other generation a revert restores from; empty for a phase or ownership. */
export function otherTokenQuery(reference, token, name, option) {
  const phase = checkReference(reference, name);
  if (token === undefined || token === null) return '';
  if (typeof token !== 'string' || token === '') throw new TypeError(`${option} must be the other generation's read token (or left out to read it by ownership).`);
  if (phase) throw new TypeError(`${option} is for another generation; ${reference} is a phase of this one.`);
  return `?${name}_token=${encodeURIComponent(token)}`;
}

/** The query of a diff: `against`, and the other generation's read token when it is another generation. */
export function diffQuery(against, againstToken) {
  const phase = checkReference(against, 'against');
  if (againstToken === undefined || againstToken === null) return `?against=${encodeURIComponent(against)}`;
  if (typeof againstToken !== 'string' || againstToken === '') throw new TypeError('againstToken must be the other generation\'s read token (or left out to read it by ownership).');
  if (phase) throw new TypeError(`againstToken is for another generation; ${against} is a phase of this one, read with its own token.`);
  return `?against=${encodeURIComponent(against)}&against_token=${encodeURIComponent(againstToken)}`;
}

/** The body of a fork, checked as far as the client can: a misuse throws at once, naming the field. */
export function forkBody({ fromPhase, modificationPrompt, review, budget } = {}) {
  if (!Number.isSafeInteger(fromPhase) || fromPhase < 1) {
    throw new RangeError(`fromPhase must be an integer of at least 1 (the last saved phase to keep), but was ${fromPhase}.`);
  }
  if (modificationPrompt !== undefined && modificationPrompt !== null && (typeof modificationPrompt !== 'string' || modificationPrompt.trim() === '')) {
    throw new TypeError('modificationPrompt must be text (or left out to fork without one).');
  }
  checkBudget(budget);
  return {
    from_phase: fromPhase,
    ...(modificationPrompt === undefined || modificationPrompt === null ? {} : { modification_prompt: modificationPrompt }),
    ...(review === undefined ? {} : { review }),
    ...(budget === undefined ? {} : { budget }),
  };
}

/** The body of a revert: relative paths, each once, and the state to restore them from; a misuse throws at once, naming the entry. */
export function revertBody({ paths, to } = {}) {
  if (!Array.isArray(paths) || paths.length === 0) throw new TypeError('paths must be a non-empty array of file paths to restore.');
  const seen = new Map();
  paths.forEach((path, i) => {
    if (typeof path !== 'string' || path.trim() === '') throw new TypeError(`paths[${i}] must be a file path.`);
    if (path.split('/').some((name) => name === '' || name === '.' || name === '..')) {
      throw new RangeError(`paths[${i}] ('${echo(path)}') must be relative, with '/' between non-empty names and no '.' or '..' names.`);
    }
    if (seen.has(path)) throw new RangeError(`paths[${i}] repeats paths[${seen.get(path)}] ('${echo(path)}'): name each path once.`);
    seen.set(path, i);
  });
  checkReference(to, 'to');
  return { paths: [...paths], to };
}

/** A patch answer's text; an answer that is not text (a server that ignored Accept) is refused. */
function patchText(response) {
  const type = response.headers.get('Content-Type') ?? '';
  if (!/^text\//i.test(type)) {
    throw new GenerationApiError(response.status, { detail: `The server answered ${type || 'without a content type'}, not ${PATCH_TYPE}: is it older than patches?` });
  }
  return response.text();
}

/**
 * POSTs a request that starts a generation (a fork or a revert of the hooks' generation) with the control token in
 * the header; resolves with the 202 body.
 */
export function postStart(fetchFn, address, body, controlToken, credentials = 'same-origin') {
  const init = { method: 'POST', credentials, headers: { 'Content-Type': 'application/json', ...bearer(controlToken) }, body: JSON.stringify(body) };
  return request(fetchFn, address, init).then((response) => response.json());
}

/**
 * The header of a token; the token itself is never put in a URL here. `null`: by ownership, no header (the browser's
 * credentials apply). Left out or empty: a mistake.
 */
function bearer(token) {
  if (token === null) return {};
  if (typeof token !== 'string' || token === '') throw new TypeError('A token is required (or null to act by ownership).');
  return { Authorization: `Bearer ${token}` };
}

/** A link with the read token in its query, or without one (`null`: by ownership). */
function linkWith(address, token) {
  if (token === null) return address;
  if (typeof token !== 'string' || token === '') throw new TypeError('A token is required (or null to read by ownership).');
  return withToken(address, token);
}

/** A budget the server would refuse (a value below 1, or not an integer) throws at once, naming the field. */
function checkBudget(budget) {
  if (budget === undefined || budget === null) return;
  if (typeof budget !== 'object' || Array.isArray(budget)) throw new TypeError('budget must be an object such as { max_output_tokens: 2000 }.');
  for (const field of ['max_output_tokens', 'max_total_tokens']) {
    const value = budget[field];
    if (value !== undefined && value !== null && (!Number.isSafeInteger(value) || value < 1)) {
      throw new RangeError(`budget.${field} must be an integer of at least 1, but was ${value}.`);
    }
  }
}

/** fetch, with a refusal (an error status, or no answer) as a GenerationApiError. */
async function request(fetchFn, address, init) {
  let response;
  try {
    response = await fetchFn(address, { cache: 'no-store', ...init });
  } catch (error) {
    throw new GenerationApiError(0, { detail: unreachable(address, error) }, { cause: error });
  }
  if (!response.ok) {
    const problem = await response.json().catch(() => null);
    if (response.status === 429 && problem?.type === BUDGET_EXCEEDED_TYPE) {
      const retryAfter = Number.parseInt(response.headers.get('Retry-After') ?? '', 10);
      throw new BudgetExceededError(response.status, problem, { retryAfter: Number.isFinite(retryAfter) ? retryAfter : undefined });
    }
    throw new GenerationApiError(response.status, problem);
  }
  return response;
}

/** A file path as URL segments: each segment encoded, the slashes kept. */
export function encodePath(path) {
  return String(path).split('/').map(encodeURIComponent).join('/');
}

async function readAtMost(response, maxBytes) {
  if (!response.body?.getReader) {
    const all = new Uint8Array(await response.arrayBuffer());
    return { bytes: all.subarray(0, maxBytes), truncated: all.length > maxBytes };
  }

  const reader = response.body.getReader();
  const chunks = [];
  let length = 0;
  let truncated = false;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    length += value.length;
    if (length > maxBytes) {
      truncated = true;
      await reader.cancel();
      break;
    }
  }

  const bytes = new Uint8Array(Math.min(length, maxBytes));
  let offset = 0;
  for (const chunk of chunks) {
    const part = chunk.subarray(0, bytes.length - offset);
    bytes.set(part, offset);
    offset += part.length;
    if (offset === bytes.length) break;
  }
  return { bytes, truncated };
}
