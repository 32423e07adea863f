// iteration-stream.js — a dependency-free ES module for watching an Iteration.Streaming generation.
//
//   import { watchGeneration } from './iteration-stream.js';
//   const close = watchGeneration(streamUrl, sseToken, {
//     onEvent(event, id) { ... },      // every StreamingProgressEvent (parsed JSON) with its SSE id, once each, in order
//     onConnection(state) { ... },     // 'connecting' | 'open' | 'reconnecting' | 'closed'
//     onEnd(reason, detail) { ... },   // once: 'completed' | 'failed' | 'cancelled' (detail: the terminal event)
//                                      //     | 'unauthorized' | 'forbidden' | 'not_found' | 'error' (detail: Problem Details)
//                                      //     | 'closed_by_client' (close() was called)
//   }, { lastEventId, statusUrl });    // options, both optional
//   close();                           // stop watching (never cancels the run: DELETE the status URL for that)
//
// Resume after a dropped connection is EventSource's own: it reconnects after the server's `retry:` delay and sends
// `Last-Event-ID`, and the server replays exactly what was missed. When the browser gives up instead (the server
// answered 204 because the generation had already ended, or 401/403/404, or an error page), this module asks the status
// URL once to tell those cases apart, so a page can show a clear state instead of looping silently. Errors that may
// pass (a proxy's 502 during a deploy) are retried a few times with backoff, resuming from the last event received.

const TERMINAL = new Set(['completed', 'failed', 'cancelled']);
const REFUSED = { 401: 'unauthorized', 403: 'forbidden', 404: 'not_found' };

/**
 * Watches a generation's progress stream.
 * @param {string} streamUrl  The `stream_url` returned by POST /generations (or /generations/iterate).
 * @param {string} token      The `sse_token` returned with it.
 * @param {{onEvent?: Function, onConnection?: Function, onEnd?: Function}} [handlers]
 * @param {{lastEventId?: string|number, statusUrl?: string, maxRetries?: number}} [options]
 *   lastEventId: resume after this event (a page restoring its state); statusUrl: defaults to streamUrl without its
 *   trailing `/stream`; maxRetries: how often a refused stream is reopened before giving up (default 5).
 * @returns {() => void} A function that stops watching.
 */
export function watchGeneration(streamUrl, token, handlers = {}, options = {}) {
  const { onEvent = () => {}, onConnection = () => {}, onEnd = () => {} } = handlers;
  const statusUrl = options.statusUrl ?? streamUrl.replace(/\/stream\/?$/, '');
  const maxRetries = options.maxRetries ?? 5;
  let lastId = options.lastEventId != null && options.lastEventId !== '' ? String(options.lastEventId) : null;
  let closed = false;
  let source = null;
  let retries = 0;
  let retryTimer = null;

  const finish = (reason, detail) => {
    if (closed) return;
    closed = true;
    clearTimeout(retryTimer);
    if (source) source.close();
    onConnection('closed');
    onEnd(reason, detail);
  };

  const open = () => {
    if (closed) return;
    onConnection(lastId === null ? 'connecting' : 'reconnecting');
    // A new EventSource starts without Last-Event-ID: the query parameter carries it (the header wins on its reconnects).
    const url = withToken(lastId === null ? streamUrl : withQuery(streamUrl, 'lastEventId', lastId), token);
    source = new EventSource(url);

    source.onopen = () => {
      retries = 0;
      onConnection('open');
    };

    source.onmessage = (message) => {
      let event;
      try {
        event = JSON.parse(message.data);
      } catch {
        console.warn('Ignoring an SSE event that is not JSON:', message.data);
        return;
      }

      lastId = message.lastEventId || lastId;
      onEvent(event, lastId);
      if (TERMINAL.has(event.status)) {
        finish(event.status, event);
      }
    };

    source.onerror = () => {
      if (closed) return;
      if (source.readyState === EventSource.CONNECTING) {
        // A dropped connection: the browser reconnects by itself with Last-Event-ID.
        onConnection('reconnecting');
        return;
      }

      // CLOSED: the browser will not retry (204 after the end, 401, 403, 404, or an error status or content type).
      source.close();
      explain().then(([reason, detail]) => {
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

  const explain = async () => {
    let response;
    try {
      response = await fetch(statusUrl, { headers: { Authorization: `Bearer ${token}` }, cache: 'no-store' });
    } catch (error) {
      return ['retry', { detail: `The server cannot be reached: ${error}` }];
    }

    if (response.ok) {
      const snapshot = await response.json().catch(() => null);
      const last = snapshot?.last_event;
      if (last && TERMINAL.has(last.status)) {
        // The stream ended (204): deliver the final state if this page never saw it.
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

  open();
  return () => finish('closed_by_client');
}

/** Appends `token` as the `token` query parameter (EventSource cannot send an Authorization header). */
export function withToken(url, token) {
  return withQuery(url, 'token', token);
}

/** Appends one query parameter, encoded. */
export function withQuery(url, name, value) {
  const separator = url.includes('?') ? '&' : '?';
  return `${url}${separator}${name}=${encodeURIComponent(value)}`;
}

/** Formats seconds as "1 min 05 s" / "42 s"; empty when unknown. */
export function formatEta(seconds) {
  if (seconds == null || !Number.isFinite(seconds)) return '';
  const s = Math.max(0, Math.round(seconds));
  const minutes = Math.floor(s / 60);
  const rest = s % 60;
  return minutes > 0 ? `${minutes} min ${String(rest).padStart(2, '0')} s` : `${rest} s`;
}
