// Types of iteration-streaming-client/react.
import type { ProgressState, ConnectionState, IterationProgressOptions, SendInput } from './index.js';

/**
 * The hook's value: the progress state (with `inputRequest` at a review gate) plus the connection ('idle' until a
 * stream URL and token are given) and `sendInput`.
 */
export interface IterationProgress extends ProgressState {
  connection: ConnectionState | 'idle';
  sendInput: SendInput;
}

/**
 * Watches a generation while the component is mounted, and again when the stream URL or token change (the options
 * are read then). A refused stream shows as the status: 'unauthorized', 'forbidden', 'not_found' or 'error'.
 */
export function useIterationProgress(
  streamUrl: string | null | undefined,
  sseToken: string | null | undefined,
  options?: IterationProgressOptions,
): IterationProgress;
