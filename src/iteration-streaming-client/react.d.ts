// Types of iteration-streaming-client/react.
import type { ProgressState, ConnectionState, WatchOptions } from './index.js';

/** The hook's value: the progress state plus the connection ('idle' until a stream URL and token are given). */
export interface IterationProgress extends ProgressState {
  connection: ConnectionState | 'idle';
}

/**
 * Watches a generation while the component is mounted, and again when the stream URL or token change (the options
 * are read then). A refused stream shows as the status: 'unauthorized', 'forbidden', 'not_found' or 'error'.
 */
export function useIterationProgress(
  streamUrl: string | null | undefined,
  sseToken: string | null | undefined,
  options?: WatchOptions,
): IterationProgress;
