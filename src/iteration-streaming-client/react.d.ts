// Types of iteration-streaming-client/react.
import type {
  ProgressState, ConnectionState, IterationProgressOptions, SendInput, GenerationListState, GenerationsListOptions, GenerationsClientOptions,
  WatchManyOptions, WatchManyState, WatchManyTarget, ForkSender, RevertSender, DiffState, DiffHookOptions, GenerationDiff,
} from './index.js';

/**
 * The hook's value: the progress state (with `inputRequest` at a review gate) plus the connection ('idle' until a
 * stream URL and token are given) and `sendInput`.
 */
export interface IterationProgress extends ProgressState {
  connection: ConnectionState | 'idle';
  sendInput: SendInput;
  /** Forks the watched generation from a saved phase. */
  fork: ForkSender;
  /** Restores files of the watched generation as another state has them. */
  revert: RevertSender;
}

/**
 * Watches a generation while the component is mounted, and again when the stream URL or token change (the options
 * are read then). A refused stream shows as the status: 'unauthorized', 'forbidden', 'not_found' or 'error'. A `null`
 * token reads by ownership (a listed generation); nothing is watched while the URL or token is undefined or empty.
 */
export function useIterationProgress(
  streamUrl: string | null | undefined,
  sseToken: string | null | undefined,
  options?: IterationProgressOptions,
): IterationProgress;

/** The hook's value: the list state, and what reloads or extends it. */
export interface Generations extends GenerationListState {
  refresh(): Promise<void>;
  loadMore(): Promise<void>;
}

/**
 * The signed-in user's generations, newest first: the first page on mount and when `status` or `limit` change (the
 * other options are read then), `loadMore()` for the next, `refresh()` after a start.
 */
export function useGenerations(options?: GenerationsListOptions): Generations;

/** The hook's value: the multiplexed state ('idle' while nothing is watched) and close(). */
export interface WatchMany extends WatchManyState {
  /** Stops watching now (also done on unmount). */
  close(): void;
}

/**
 * Many generations over one connection while mounted, and again when the target or `from` change by value (the other
 * options are read then); nothing is watched while the target is null or undefined.
 */
export function useWatchMany(target: WatchManyTarget | null | undefined, options?: WatchManyOptions & GenerationsClientOptions): WatchMany;

/** The hook's value: the diff state and reload(). */
export interface Diff<T = GenerationDiff> extends DiffState<T> {
  /** Asks again (say, after a revert). */
  reload(): Promise<void>;
}

/**
 * How a generation's files differ from `against` (another generation's id, or `phase:{k}`): loaded on mount and when
 * the id, `against`, a token or `patch` change; nothing while the id or `against` is empty or the token undefined.
 */
export function useDiff(generationId: string | null | undefined, against: string | null | undefined, options: DiffHookOptions & { patch: true }): Diff<string>;
export function useDiff(generationId: string | null | undefined, against: string | null | undefined, options?: DiffHookOptions & { patch?: false }): Diff;
