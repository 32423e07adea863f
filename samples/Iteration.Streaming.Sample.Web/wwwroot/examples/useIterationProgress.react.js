// The guide's React hook, rewritten on top of iteration-stream.js.
// Differences from the guide: resume after a drop is EventSource's own (Last-Event-ID), so a dropped connection
// shows "reconnecting" instead of "error"; the stream is closed on completed, failed AND cancelled; and the
// terminal 204 / 401 / 404 cases end in a clear state instead of a silent reconnect loop.
import { useEffect, useState } from 'react';
import { watchGeneration } from '../iteration-stream.js';

export function useIterationProgress(streamUrl, sseToken) {
  const [state, setState] = useState({
    progress: 0,          // 0-100
    status: 'pending',    // 'pending' | 'queued' | 'processing' | 'completed' | 'failed' | 'cancelled' | 'unauthorized' | ...
    message: '',
    phaseInfo: null,
    eta: null,            // seconds
    warning: null,
    error: null,
    connection: 'connecting',
  });

  useEffect(() => {
    if (!streamUrl || !sseToken) return undefined;
    return watchGeneration(streamUrl, sseToken, {
      onEvent: (data) => setState((s) => ({
        ...s,
        progress: data.progress * 100,
        status: data.status,
        message: data.message,
        phaseInfo: data.phase_info ?? s.phaseInfo,
        eta: data.estimated_time_remaining ?? null,
        warning: data.warning_type ? data : s.warning,
        error: data.error ?? s.error,
      })),
      onConnection: (connection) => setState((s) => ({ ...s, connection })),
      onEnd: (reason, detail) => setState((s) => (
        ['completed', 'failed', 'cancelled', 'closed_by_client'].includes(reason)
          ? s
          : { ...s, status: reason, error: detail?.detail ?? s.error })),
    });
  }, [streamUrl, sseToken]);

  return state;
}
