// Compiled by tsc --strict in types.test.js: the package's declarations as a TypeScript user meets them, through the
// package's own name and exports (self-reference), with the mistakes the types must catch marked @ts-expect-error.
import {
  applyEvent, applySnapshot, createGenerationsClient, elapsedSeconds, fileCounts, formatDuration, GenerationApiError,
  initialProgress, unreachable, watchGeneration,
  type EndReason, type GenerationStarted, type ProgressState, type StreamingProgressEvent,
} from 'iteration-streaming-client';
import { useIterationProgress as useReactProgress } from 'iteration-streaming-client/react';
import { useIterationProgress as useVueProgress } from 'iteration-streaming-client/vue';

export async function flow(): Promise<void> {
  const api = createGenerationsClient({ baseUrl: 'http://127.0.0.1:5000' });
  const started: GenerationStarted = await api.start({ prompt: 'A task tracker', entities: ['User'] });
  let state: ProgressState = initialProgress({ generationId: started.generation_id });

  const stop = api.watch(started, {
    onEvent(event: StreamingProgressEvent, id: string | null) {
      state = applyEvent(state, event, { id });
      const phase = event.phase_info?.phases?.[0]?.name;
      const name: string | undefined = phase;
      void name;
    },
    onConnection(connection) {
      const known: 'connecting' | 'open' | 'reconnecting' | 'closed' = connection;
      void known;
    },
    onEnd(reason: EndReason, detail) {
      if (reason === 'failed' && detail && 'error' in detail) void detail.error;
    },
  }, { lastEventId: 3 });
  stop();

  const snapshot = await api.snapshot(started.generation_id, started.sse_token);
  state = applySnapshot(state, snapshot);
  const seconds: number | null = elapsedSeconds(state);
  const text: string = formatDuration(seconds);
  const { files } = await api.files(started.generation_id, started.sse_token);
  const counts = fileCounts(state, files);
  const saved: number = counts.saved + counts.notSaved;
  void text; void saved;

  if (started.control_token) {
    const retried = await api.retry(started.generation_id, started.control_token);
    const retryOf: string | undefined = retried.retry_of;
    void retryOf;
    const cancelled: boolean = await api.cancel(retried.generation_id, started.control_token);
    void cancelled;
  }

  const file = await api.readFile(started.generation_id, 'Program.cs', started.sse_token, { maxBytes: 1024 });
  const truncated: boolean = file.truncated;
  void truncated;

  try {
    await api.iterate(started.generation_id, 'Add auth', 'control');
  } catch (error) {
    if (error instanceof GenerationApiError) {
      const status: number = error.status;
      const detail: string | undefined = error.problem.detail;
      const cause: unknown = error.cause;
      void status; void detail; void cause;
    }
  }

  const said: string = unreachable('http://127.0.0.1:5000/generations', new TypeError('Failed to fetch'));
  void said;
  new GenerationApiError(0, { detail: said }, { cause: new TypeError('Failed to fetch') });

  // The browser's EventSource fits the watcher's option.
  watchGeneration(started.stream_url, started.sse_token, {}, { EventSource, fetch });

  for (const phase of state.phases) {
    const label: 'pending' | 'current' | 'done' | 'kept' | 'failed' | 'stopped' = phase.state;
    void label;
  }

  // @ts-expect-error the prompt is required
  await api.start({ entities: ['User'] });
  // @ts-expect-error progress is a number
  const wrong: string = state.progress;
  void wrong;
  // @ts-expect-error an unknown end reason
  const reason: EndReason = 'finished';
  void reason;
  // @ts-expect-error a token is required
  api.cancel(started.generation_id);
}

export function ReactComponent(props: { streamUrl: string | null; token: string | null }): string {
  const progress = useReactProgress(props.streamUrl, props.token);
  const connection: 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed' = progress.connection;
  void connection;
  // @ts-expect-error the hook's value is not a ref
  void progress.status.value;
  return `${Math.round(progress.progress)}% ${progress.status} ${progress.phases.length}`;
}

export function vueSetup(streamUrl: string, token: string) {
  const { progress, status, phases, state, disconnect } = useVueProgress(streamUrl, token, { lastEventId: '12' });
  const percent: number = progress.value;
  const count: number = phases.value.length;
  const resumed = state.value.resumed?.phasesKept;
  // @ts-expect-error the refs are read-only
  status.value = 'completed';
  disconnect();
  return { percent, count, resumed };
}
