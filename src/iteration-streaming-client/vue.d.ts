// Types of iteration-streaming-client/vue. Structural, so this file needs no 'vue' types; Vue's Ref fits.
import type {
  ProgressState, ConnectionState, IterationProgressOptions, SendInput, GenerationListState, GenerationsListOptions, GenerationsClientOptions,
  WatchManyOptions, WatchManyState, WatchManyTarget, ForkSender, RevertSender, DiffState, DiffHookOptions, GenerationDiff,
} from './index.js';

/** A read-only ref. */
export interface ReadonlyRef<T> {
  readonly value: T;
}

/**
 * Each field of the progress state as a read-only ref (`inputRequest` at a review gate), the whole state, the
 * connection, disconnect() and sendInput().
 */
export type IterationProgressRefs = {
  readonly [K in keyof ProgressState]: ReadonlyRef<ProgressState[K]>;
} & {
  readonly state: ReadonlyRef<ProgressState>;
  readonly connection: ReadonlyRef<ConnectionState | 'idle'>;
  /** Stops watching (also done on unmount). */
  disconnect(): void;
  /** Answers the watched generation's review gate with the control token (`options.controlToken` unless given). */
  sendInput: SendInput;
  /** Forks the watched generation from a saved phase. */
  fork: ForkSender;
  /** Restores files of the watched generation as another state has them. */
  revert: RevertSender;
};

/**
 * Watches a generation from mount to unmount. A refused stream shows as the status ('unauthorized', ...). A `null`
 * token reads by ownership (a listed generation).
 */
export function useIterationProgress(
  streamUrl: string | null | undefined,
  sseToken: string | null | undefined,
  options?: IterationProgressOptions,
): IterationProgressRefs;

/** Each field of the list state as a read-only ref, and what reloads or extends it. */
export type GenerationsRefs = {
  readonly [K in keyof GenerationListState]: ReadonlyRef<GenerationListState[K]>;
} & {
  refresh(): Promise<void>;
  loadMore(): Promise<void>;
};

/** The signed-in user's generations, newest first: the first page on mount, `loadMore()` for the next, `refresh()` after a start. */
export function useGenerations(options?: GenerationsListOptions): GenerationsRefs;

/** Each field of the multiplexed state as a read-only ref, the whole state, and close(). */
export type WatchManyRefs = {
  readonly [K in keyof WatchManyState]: ReadonlyRef<WatchManyState[K]>;
} & {
  readonly state: ReadonlyRef<WatchManyState>;
  /** Stops watching now (also done on unmount). */
  close(): void;
};

/** Many generations over one connection from mount to unmount; nothing is watched when the target is null or undefined. */
export function useWatchMany(target: WatchManyTarget | null | undefined, options?: WatchManyOptions & GenerationsClientOptions): WatchManyRefs;

/** Each field of the diff state as a read-only ref, and reload(). */
export type DiffRefs<T = GenerationDiff> = {
  readonly [K in keyof DiffState<T>]: ReadonlyRef<DiffState<T>[K]>;
} & {
  /** Asks again (say, after a revert). */
  reload(): Promise<void>;
};

/** How a generation's files differ from `against`, from mount to unmount; nothing while the id, `against` or token is missing. */
export function useDiff(generationId: string | null | undefined, against: string | null | undefined, options: DiffHookOptions & { patch: true }): DiffRefs<string>;
export function useDiff(generationId: string | null | undefined, against: string | null | undefined, options?: DiffHookOptions & { patch?: false }): DiffRefs;
