// React: useIterationProgress(streamUrl, sseToken) — the guide's hook, on top of watchGeneration and the progress state.
// Unlike the guide's version, a dropped connection shows `connection: 'reconnecting'` rather than an error (the browser
// resumes it with Last-Event-ID), the stream is closed on completed, failed and cancelled alike, and a refused stream
// ends in a clear status ('unauthorized', 'forbidden', 'not_found', 'error') instead of reconnecting forever. At a review
// gate the status is 'awaiting_input', the stream stays open, `inputRequest` says what is asked and `sendInput` answers.
import { useEffect, useState } from 'react';
import { watchGeneration } from './watch.js';
import { applyEvent, initialProgress } from './progress.js';
import { endState, inputSender } from './hook-state.js';

/**
 * @param {string|null|undefined} streamUrl  The `stream_url` of the 202 answer; nothing is watched while it is empty.
 * @param {string|null|undefined} sseToken   The read token.
 * @param {object} [options]  watchGeneration's options (lastEventId, statusUrl, baseUrl, EventSource, fetch), read when the
 *   stream URL or token change, and `controlToken`, which `sendInput` sends in the Authorization header.
 * @returns The progress state (progress in percent, status, message, phases, inputRequest, ...) plus `connection` and
 *   `sendInput(input, {controlToken}?)`.
 */
export function useIterationProgress(streamUrl, sseToken, options) {
  const [state, setState] = useState(() => ({ ...initialProgress(), connection: 'idle' }));

  useEffect(() => {
    if (!streamUrl || !sseToken) return undefined;
    setState({ ...initialProgress(), connection: 'connecting' });
    return watchGeneration(streamUrl, sseToken, {
      onEvent: (event, id) => setState((s) => ({ ...applyEvent(s, event, { id }), connection: s.connection })),
      onConnection: (connection) => setState((s) => ({ ...s, connection })),
      onEnd: (reason, detail) => setState((s) => endState(s, reason, detail)),
    }, options);
    // Options are read when the stream changes, so an inline object does not reconnect on every render.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [streamUrl, sseToken]);

  return { ...state, sendInput: inputSender(streamUrl, options) };
}
