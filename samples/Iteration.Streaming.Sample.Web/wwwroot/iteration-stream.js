// iteration-stream.js — a dependency-free ES module for watching an Iteration.Streaming generation.
//
//   import { watchGeneration } from './iteration-stream.js';
//   const close = watchGeneration(streamUrl, sseToken, {
//     onEvent(event, id) { ... },          // every StreamingProgressEvent (parsed JSON), with its SSE id
//     onConnection(state) { ... },         // 'connecting' | 'open' | 'reconnecting' | 'closed'
//     onEnd(reason, detail) { ... },       // 'completed' | 'failed' | 'cancelled' | 'finished' | 'unauthorized'
//                                          // | 'forbidden' | 'not_found' | 'error'
//   });
//   close();                              // stop watching (never cancels the run)
//
// Resume after a dropped connection is EventSource's own: it reconnects after the server's `retry:` delay and
// sends `Last-Event-ID`, and the server replays exactly what was missed. When the browser gives up (the server
// answered 204 because the generation had already ended, or 401/403/404), this module asks the status URL once to
// tell those cases apart, so a page can show a clear state instead of looping silently.

const TERMINAL = new Set(['completed', 'failed', 'cancelled']);

/**
 * Watches a generation's progress stream.
 * @param {string} streamUrl  The `stream_url` returned by POST /generations (or /generations/iterate).
 * @param {string} token      The `sse_token` returned with it.
 * @param {object} handlers   { onEvent, onConnection, onEnd } — all optional.
 * @param {object} [options]  { statusUrl } — defaults to streamUrl without its trailing `/stream`.
 * @returns {() => void}      A function that stops watching.
 */
export function watchGeneration(streamUrl, token, handlers = {}, options = {}) {
  const { onEvent = () => {}, onConnection = () => {}, onEnd = () => {} } = handlers;
  const statusUrl = options.statusUrl ?? streamUrl.replace(/\/stream\/?$/, '');
  const url = withToken(streamUrl, token);
  let closed = false;
  let lastId = null;
  let source = null;

  const finish = (reason, detail) => {
    if (closed) return;
    closed = true;
    if (source) source.close();
    onConnection('closed');
    onEnd(reason, detail);
  };

  const open = () => {
    onConnection('connecting');
    source = new EventSource(url);

    source.onopen = () => onConnection('open');

    source.onmessage = (message) => {
      let event;
      try {
        event = JSON.parse(message.data);
      } catch (error) {
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

      // CLOSED: the browser will not retry (HTTP 204 after the end, 401, 403, 404, or a wrong content type).
      explain().then(([reason, detail]) => finish(reason, detail));
    };
  };

  const explain = async () => {
    try {
      const response = await fetch(statusUrl, { headers: { Authorization: `Bearer ${token}` } });
      if (response.ok) {
        const snapshot = await response.json();
        const last = snapshot.last_event;
        if (last && TERMINAL.has(last.status)) {
          // The stream ended at or before what we had: deliver the final state if we missed it.
          if (lastId === null || Number(snapshot.last_event_id) > Number(lastId)) {
            onEvent(last, String(snapshot.last_event_id));
          }
          return [last.status, last];
        }
        return ['finished', snapshot];
      }

      const problem = await response.json().catch(() => null);
      const reason = { 401: 'unauthorized', 403: 'forbidden', 404: 'not_found' }[response.status] ?? 'error';
      return [reason, problem];
    } catch (error) {
      return ['error', { detail: String(error) }];
    }
  };

  open();
  return () => finish('closed_by_client');
}

/** Appends `token` as the `token` query parameter (EventSource cannot send an Authorization header). */
export function withToken(url, token) {
  const separator = url.includes('?') ? '&' : '?';
  return `${url}${separator}token=${encodeURIComponent(token)}`;
}

/** Formats seconds as "1 min 05 s" / "42 s". */
export function formatEta(seconds) {
  if (seconds == null || !Number.isFinite(seconds)) return '';
  const s = Math.max(0, Math.round(seconds));
  const minutes = Math.floor(s / 60);
  const rest = s % 60;
  return minutes > 0 ? `${minutes} min ${String(rest).padStart(2, '0')} s` : `${rest} s`;
}
