// The guide's Vue composable, rewritten on top of iteration-stream.js (same differences as the React hook).
import { onMounted, onUnmounted, readonly, ref } from 'vue';
import { watchGeneration } from '../iteration-stream.js';

export function useIterationProgress(streamUrl, sseToken) {
  const progress = ref(0);
  const status = ref('pending');
  const message = ref('');
  const phaseInfo = ref(null);
  const eta = ref(null);
  const error = ref(null);
  const connection = ref('connecting');
  let stop = null;

  const connect = () => {
    if (!streamUrl || !sseToken) return;
    stop = watchGeneration(streamUrl, sseToken, {
      onEvent: (data) => {
        progress.value = data.progress * 100;
        status.value = data.status;
        message.value = data.message;
        eta.value = data.estimated_time_remaining ?? null;
        if (data.phase_info) phaseInfo.value = data.phase_info;
        if (data.error) error.value = data.error;
      },
      onConnection: (state) => { connection.value = state; },
      onEnd: (reason, detail) => {
        if (!['completed', 'failed', 'cancelled', 'closed_by_client'].includes(reason)) {
          status.value = reason;
          error.value = detail?.detail ?? error.value;
        }
      },
    });
  };

  const disconnect = () => {
    if (stop) stop();
    stop = null;
  };

  onMounted(connect);
  onUnmounted(disconnect);

  return {
    progress: readonly(progress),
    status: readonly(status),
    message: readonly(message),
    phaseInfo: readonly(phaseInfo),
    eta: readonly(eta),
    error: readonly(error),
    connection: readonly(connection),
    disconnect,
  };
}
