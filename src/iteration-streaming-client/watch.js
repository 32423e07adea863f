// Watching a generation's progress stream, with resume.
//
// Resume after a dropped connection is EventSource's own: it reconnects after the server's `retry:` delay and sends
// `Last-Event-ID`, and the server replays exactly what was missed. When the browser gives up instead (the server
// answered 204 because the generation had already ended, or 401/403/404, or an error page), the watcher asks the
// status URL once to tell those cases apart, so a page shows a clear state instead of looping silently. Errors that
// may pass (a proxy's 502 during a deploy, an unreachable server) are retried a few times with backoff, resuming from
// the last event received.

import { applyLiveAnswer, applyLiveEvent, initialLiveState } from './progress.js';

const TERMINAL = new Set(['completed', 'failed', 'cancelled']);
// /live requests in a row that leave a gap before the watcher waits for the next phase or file to begin.
const MAX_LIVE_ATTEMPTS = 3;
const REFUSED = { 401: 'unauthorized', 403: 'forbidden', 404: 'not_found' };

/**
 * True for the statuses that end a generation: `completed`, `failed`, `cancelled`. Not `awaiting_input`: a run at a
 * review gate waits for its user, and its stream stays open (with heartbeats) until it goes on or ends.
 */
export function isTerminalStatus(status) {
  return TERMINAL.has(status);
}

/**
 * Watches a generation's progress stream. See index.d.ts for the types.
 * @param {string} streamUrl  The `stream_url` of the 202 answer (relative URLs resolve against `options.baseUrl`).
 * @param {string|null} token The read token (`sse_token`); never the control token, which must stay out of URLs.
 *   `null`: by ownership: the URL carries no token and the browser's credentials (a same-origin cookie) apply.
 * @param {object} [handlers] `onEvent(event, id)`, `onConnection(state)`, `onEnd(reason, detail)`, and `onLive(live)`:
 *   the exact texts so far of the phase in progress (see applyLiveEvent), after each change. With `onLive`, the watcher
 *   reads `GET {status URL}/live` (the same token, in the header) when the texts cannot be rebuilt from the deltas: a
 *   watch that resumes after `lastEventId` (a reload), a gap, a phase that continues from its checkpoint.
 * @param {object} [options]  `lastEventId`, `statusUrl`, `liveUrl` (default `{statusUrl}/live`), `maxRetries`,
 *   `baseUrl`, `EventSource`, `fetch`, `credentials` ('same-origin' by default; 'include' opens the stream
 *   withCredentials, for a cookie across origins).
 * @returns {() => void} Stops watching (never cancels the run).
 */
export function watchGeneration(streamUrl, token, handlers = {}, options = {}) {
  if (typeof streamUrl !== 'string' || streamUrl === '') throw new TypeError('watchGeneration: streamUrl is required.');
  if (token !== null && (typeof token !== 'string' || token === '')) {
    throw new TypeError('watchGeneration: token (the sse_token) is required, or null to read by ownership.');
  }
  const { onEvent = () => {}, onConnection = () => {}, onEnd = () => {}, onLive = null } = handlers;
  const Source = options.EventSource ?? globalThis.EventSource;
  const fetchFn = options.fetch ?? globalThis.fetch.bind(globalThis);
  if (typeof Source !== 'function') {
    throw new TypeError('watchGeneration: no EventSource here; pass options.EventSource (for example the "eventsource" package on Node.js).');
  }

  const stream = resolveUrl(streamUrl, options.baseUrl);
  const statusUrl = resolveUrl(options.statusUrl ?? streamUrl.replace(/\/stream\/?(\?.*)?$/, ''), options.baseUrl);
  const maxRetries = options.maxRetries ?? 5;
  const credentials = options.credentials ?? 'same-origin';
  let lastId = options.lastEventId != null && options.lastEventId !== '' ? String(options.lastEventId) : null;
  let closed = false;
  let stop = () => {};

  // The live texts, when asked for: a watch that resumes after an event has none yet, so it reads /live at once.
  const liveUrl = resolveUrl(options.liveUrl ?? `${(options.statusUrl ?? streamUrl.replace(/\/stream\/?(\?.*)?$/, '')).replace(/\/$/, '')}/live`, options.baseUrl);
  let live = typeof onLive === 'function' ? initialLiveState({ sync: lastId === null ? null : 'needed' }) : null;
  let liveRequest = false;
  const setLive = (next) => {
    if (next === live || closed) return;
    live = next;
    onLive(live);
  };
  const syncLive = () => {
    if (live === null || closed || liveRequest || live.sync !== 'needed' || live.attempts >= MAX_LIVE_ATTEMPTS) return;
    liveRequest = true;
    const headers = token === null ? {} : { Authorization: `Bearer ${token}` };
    fetchFn(liveUrl, { headers, cache: 'no-store', credentials })
      .then(async (response) => {
        if (response.ok) return response.json();
        // An older server has no /live (404), or the stream's own refusal follows: the deltas go on without it.
        return response.status >= 500 ? undefined : null;
      })
      .then((answer) => {
        liveRequest = false;
        if (answer === null) setLive({ ...live, sync: 'unavailable' });
        else if (answer === undefined) setLive({ ...live, attempts: live.attempts + 1 });
        else setLive(applyLiveAnswer(live, answer));
        syncLive();
      }, () => {
        // Unreachable, or not JSON: asked again on the next event, a few times at most.
        liveRequest = false;
        setLive({ ...live, attempts: live.attempts + 1 });
      });
  };

  const finish = (reason, detail) => {
    if (closed) return;
    closed = true;
    stop();
    onConnection('closed');
    onEnd(reason, detail);
  };

  const address = () => {
    // A new EventSource starts without Last-Event-ID: the query parameter carries it (the header wins on its reconnects).
    const resumed = lastId === null ? stream : withQuery(stream, 'lastEventId', lastId);
    return token === null ? resumed : withToken(resumed, token);
  };

  const onMessage = (event, message) => {
    lastId = message.lastEventId || lastId;
    onEvent(event, lastId);
    if (live !== null) {
      setLive(applyLiveEvent(live, event, { id: lastId }));
      syncLive();
    }
    if (TERMINAL.has(event.status)) finish(event.status, event);
  };

  const explain = async () => {
    let response;
    try {
      response = await fetchFn(statusUrl, { headers: token === null ? {} : { Authorization: `Bearer ${token}` }, cache: 'no-store', credentials });
    } catch (error) {
      return ['retry', { detail: unreachable(statusUrl, error) }];
    }

    if (response.ok) {
      const snapshot = await response.json().catch(() => null);
      const last = snapshot?.last_event;
      if (last && TERMINAL.has(last.status)) {
        // The stream ended (204): deliver the final state if this watcher never saw it.
        if (lastId === null || Number(snapshot.last_event_id) > Number(lastId)) {
          lastId = String(snapshot.last_event_id);
          onEvent(last, lastId);
        }
        return [last.status, last];
      }
      return ['retry', { detail: `The stream was refused while the generation is ${snapshot?.status ?? 'running'}.` }];
    }

    const problem = await response.json().catch(() => ({ detail: `The server answered ${response.status}.` }));
    return [REFUSED[response.status] ?? (response.status >= 500 ? 'retry' : 'error'), problem];
  };

  stop = keepOpen({
    Source, address, credentials, maxRetries, explain, finish, onMessage, onConnection,
    isClosed: () => closed,
    opening: () => (lastId === null ? 'connecting' : 'reconnecting'),
  });
  syncLive();
  return () => finish('closed_by_client');
}

/**
 * Opens one multiplexed stream (`GET {prefix}/stream`: a watch set's, or the owner's) and keeps it open: EventSource's
 * own reconnect with Last-Event-ID after a drop; when the browser gives up instead (EventSource never says why), the
 * stream URL is asked once more with `fetch` and the cursor, and only its status is read: 204 means every member ended,
 * 400/401/403/404/429 a refusal (its Problem Details), 200 or a 5xx something that passes (reopened with backoff,
 * resuming after the cursor). The events themselves are handed on as parsed; watchMany in api.js folds them.
 * @param {string} streamUrl  The stream URL with its token or `owner=me` (and `from`) in the query.
 * @param {object} handlers  `onMessage(event, cursor, data)`, `onConnection(state)`, `onEnd(reason, error)`.
 * @param {object} options   `EventSource`, `fetch`, `credentials`, `maxRetries`, `makeError(status, problem)`.
 * @returns {() => void} Closes the stream (onEnd('closed_by_client')).
 */
export function watchMultiplexed(streamUrl, handlers, options) {
  const { onMessage, onConnection, onEnd } = handlers;
  const Source = options.EventSource ?? globalThis.EventSource;
  const fetchFn = options.fetch ?? globalThis.fetch.bind(globalThis);
  if (typeof Source !== 'function') {
    throw new TypeError('watchMany: no EventSource here; pass options.EventSource (for example the "eventsource" package on Node.js).');
  }
  const maxRetries = options.maxRetries ?? 5;
  const credentials = options.credentials ?? 'same-origin';
  let cursor = null;
  let closed = false;
  let stop = () => {};

  const finish = (reason, error) => {
    if (closed) return;
    closed = true;
    stop();
    onConnection('closed');
    onEnd(reason, error);
  };

  // A new EventSource starts without Last-Event-ID: the query carries the cursor (the header wins on its own reconnects).
  const address = () => (cursor === null ? streamUrl : withQuery(streamUrl, 'lastEventId', cursor));

  const onEvent = (event, message) => {
    cursor = message.lastEventId || cursor;
    onMessage(event, cursor, message.data);
  };

  // Why EventSource gave up: the same request once more, its status only (a 200 body is dropped at once).
  const explain = async () => {
    const target = address();
    const abort = new AbortController();
    let response;
    try {
      response = await fetchFn(target, { headers: { Accept: 'text/event-stream' }, cache: 'no-store', credentials, signal: abort.signal });
    } catch (error) {
      return ['retry', options.makeError(0, { detail: unreachable(target, error) })];
    }
    if (response.status === 204) return ['ended', null];
    if (response.ok) {
      abort.abort();
      return ['retry', options.makeError(response.status, { detail: 'The stream closed while it was still open on the server.' })];
    }
    const problem = await response.json().catch(() => null);
    const error = options.makeError(response.status, problem, response);
    return [MANY_REFUSED[response.status] ?? (response.status >= 500 ? 'retry' : 'error'), error];
  };

  stop = keepOpen({
    Source, address, credentials, maxRetries, explain, finish, onConnection,
    onMessage: onEvent,
    isClosed: () => closed,
    opening: (retries) => (cursor === null && retries === 0 ? 'connecting' : 'reconnecting'),
  });
  return () => finish('closed_by_client', null);
}

/**
 * Keeps one EventSource open for a watcher: its own reconnect with Last-Event-ID after a drop; when the browser gives up
 * instead (CLOSED), `explain()` says why as `[reason, detail]`: 'retry' reopens it at `address()` with backoff (up to
 * `maxRetries` in a row), any other reason ends the watch through `finish`. Each message's data is parsed as JSON
 * (anything else is skipped with a warning) and handed to `onMessage(event, message)`.
 * @returns {() => void} Stops it: closes the EventSource and any pending reopen (the watcher's `finish` calls it).
 */
function keepOpen({ Source, address, credentials, maxRetries, explain, finish, onMessage, onConnection, isClosed, opening }) {
  let source = null;
  let retries = 0;
  let retryTimer = null;

  const open = () => {
    if (isClosed()) return;
    onConnection(opening(retries));
    // A same-origin EventSource sends the page's cookies by itself; across origins only withCredentials does.
    source = new Source(address(), { withCredentials: credentials === 'include' });
    source.onopen = () => {
      retries = 0;
      onConnection('open');
    };
    source.onmessage = (message) => {
      if (isClosed()) return;
      let event;
      try {
        event = JSON.parse(message.data);
      } catch {
        console.warn('iteration-streaming-client: ignoring an SSE event that is not JSON:', message.data);
        return;
      }
      onMessage(event, message);
    };
    source.onerror = () => {
      if (isClosed()) return;
      if (source.readyState === (Source.CONNECTING ?? 0)) {
        // A dropped connection: EventSource reconnects by itself with Last-Event-ID.
        onConnection('reconnecting');
        return;
      }

      // CLOSED: EventSource will not retry (204 after the end, 401, 403, 404, an error status or content type).
      source.close();
      explain().then(([reason, detail]) => {
        if (isClosed()) return;
        if (reason !== 'retry') {
          finish(reason, detail);
        } else if (retries >= maxRetries) {
          finish('error', detail);
        } else {
          onConnection('reconnecting');
          retryTimer = setTimeout(open, Math.min(30000, 1000 * 2 ** retries++));
        }
      });
    };
  };

  open();
  return () => {
    clearTimeout(retryTimer);
    source?.close();
  };
}

const MANY_REFUSED = { 400: 'bad_request', 401: 'unauthorized', 403: 'forbidden', 404: 'not_found', 429: 'too_many_streams' };

/** Appends `token` as the `token` query parameter (EventSource cannot send an Authorization header). */
export function withToken(url, token) {
  return withQuery(url, 'token', token);
}

/** Appends one query parameter, encoded. */
export function withQuery(url, name, value) {
  const separator = url.includes('?') ? '&' : '?';
  return `${url}${separator}${encodeURIComponent(name)}=${encodeURIComponent(value)}`;
}

/**
 * What a failed `fetch` (a network-level failure, no HTTP status) means, said plainly. A browser reports a request its
 * CORS policy refused exactly as one that never reached the server ("Failed to fetch"), so both are named.
 */
export function unreachable(url, error) {
  let origin = url;
  try {
    origin = new URL(url, globalThis.location?.href).origin;
  } catch {
    // A relative URL outside a browser: name it as given.
  }
  return `The request to ${origin} was refused by CORS or the server is unreachable (${error?.message ?? error}).`;
}

/** `url` resolved against `baseUrl` when one is given; unchanged otherwise (a browser resolves it against the page). */
export function resolveUrl(url, baseUrl) {
  return baseUrl ? new URL(url, baseUrl).toString() : url;
}
