// Types of iteration-streaming-client (hand-written; checked with `tsc --strict` by `npm test`).

// ---------------------------------------------------------------- the wire (snake_case, as the server sends it)

/**
 * The status of a generation. `awaiting_input`: stopped at a review gate until its user answers (not terminal: the
 * stream stays open).
 */
export type GenerationStatus = 'queued' | 'processing' | 'awaiting_input' | 'completed' | 'failed' | 'cancelled';

/** One phase of the plan. */
export interface PhaseSummary {
  phase: number;
  name: string;
}

/** `phase_info` of an event. */
export interface PhaseInfo {
  total_phases?: number;
  /** The phase running now (0 before the first one starts). */
  current_phase?: number;
  entities_count?: number;
  /** The phase this event is about (on `resumed`: the phase it continues with). */
  phase?: number;
  name?: string;
  /** Files generated in this phase. */
  files_generated?: number;
  /** Files generated so far in the run, cumulative (on `resumed`: the files of the kept phases). */
  total_files?: number;
  /** The plan, on `phased_generation_started` and `resumed` (servers before wave 2 omit it). */
  phases?: PhaseSummary[];
  /**
   * On `phase_{n}_complete` of an iteration, fork, revert or retry: how many paths the files after this phase add,
   * modify and delete against the files the run started from.
   */
  changes?: PhaseChanges;
}

/** `phase_info.changes`: counts of paths. */
export interface PhaseChanges {
  added: number;
  modified: number;
  deleted: number;
}

/** What a run at a review gate waits for: `input_request` of an `awaiting_input` (or, at a gate, `input_received`) event. */
export interface InputRequest {
  /** `plan`: approve or revise the plan before any phase runs; `phase`: review a saved phase before the next one. */
  kind: 'plan' | 'phase';
  /** For `phase`: the phase that was saved (its files are readable now). */
  phase?: number;
  /** The plan as it stands. */
  phases: PhaseSummary[];
  /** Unix seconds: the run ends `cancelled` if nobody answers by then. */
  expires_at: number;
}

/** `partial_output.usage` of a `completed` (or `phase_{n}_complete`) event, and `usage` of a snapshot or list item. */
export interface TokenUsageOnWire {
  input_tokens: number;
  output_tokens: number;
  /** Input plus output (the server sends it; older servers may not). */
  total_tokens?: number;
}

/** What tokens cost at the host's price table: `partial_output.cost`, and `cost` of a snapshot or list item. */
export interface GenerationCost {
  amount: number;
  /** Such as `USD`. */
  currency: string;
}

/**
 * The most model tokens a generation may spend (`budget` of start, iterate and retry), each at least 1. Crossing it
 * stops the run: status `failed`, stage `budget_exceeded`; its saved phases stay, and a retry with a higher budget goes
 * on from the last of them. The host caps both.
 */
export interface GenerationBudget {
  max_output_tokens?: number;
  max_total_tokens?: number;
}

/** One Server-Sent Event's data: the frontend guide's progress event. Optional fields are omitted when null. */
export interface StreamingProgressEvent {
  generation_id: string;
  status: GenerationStatus;
  /**
   * `queued`, `initializing`, `code_generation`, `phased_generation_started`, `resumed`, `phase_{n}_started`,
   * `awaiting_input` (a review gate), `input_received` (the user's input was taken), ...;
   * with status `failed`: `error`, `timeout`, `budget_exceeded` (the run crossed its token budget: retry with a higher
   * one), or `storage_unavailable` (the server could not store the run's progress; it resumes once storage is back).
   * A `resumed` with status `processing` also announces an automatic retry of a transient failure.
   */
  stage: string;
  /** 0.0–1.0; never goes backwards within a generation. */
  progress: number;
  message: string;
  /** Unix seconds with fractional milliseconds. */
  timestamp: number;
  ab_group?: string;
  enhanced_features?: Record<string, boolean>;
  generation_mode?: 'classic' | 'enhanced';
  /** Seconds. */
  estimated_time_remaining?: number;
  current_file?: string;
  /**
   * Generator-defined; while a file is written the live delta `{file, offset, text, chars, tail}` (`text` goes at
   * `offset`, in UTF-16 code units; an older server sends only `{file, chars}` or `{file, chars, tail}`), and
   * `{usage, cost?}` on a phase's end and on completion.
   */
  partial_output?: { file?: string; offset?: number; text?: string; chars?: number; tail?: string; usage?: TokenUsageOnWire; cost?: GenerationCost; [key: string]: unknown };
  /** On `resumed`: the interrupted phase continues where its last checkpoint left it instead of starting again. */
  resumed_mid_phase?: ResumedMidPhase;
  phase_info?: PhaseInfo;
  /** At a review gate (status `awaiting_input`): what the run waits for. */
  input_request?: InputRequest;
  /** `locked_path` when a phase wrote a path the user locked (the write was refused; the message names the path). */
  warning_type?: string;
  parent_file_count?: number;
  new_file_count?: number;
  missing_files?: string[];
  error?: string;
  replay?: string;
}

/** `resumed_mid_phase` of a `resumed` event: where the interrupted phase continues. */
export interface ResumedMidPhase {
  phase: number;
  /** The file that was being written; absent when the checkpoint fell between two files. */
  file?: string;
  /** Characters of `file` kept (UTF-16 code units): its next delta starts here. */
  chars: number;
  /** Files the phase had finished before the interruption (kept, not written again). */
  files_kept: number;
}

/** One file of `GET {prefix}/{id}/live`. */
export interface GenerationLiveFile {
  path: string;
  /** The text so far (the whole text of a finished file); absent for a delete or a finished file that is not UTF-8 text. */
  text?: string;
  /** `text.length`: where the next delta of this file starts. */
  offset: number;
  /** Finished (final for this phase); false while being written. */
  complete: boolean;
  /** The phase deletes this path (omitted when false). */
  deleted?: boolean;
}

/**
 * `GET {prefix}/{id}/live`: the phase in progress as of event `sequence` (open the stream after it and apply the later
 * deltas). No phase in progress (queued, between phases, at a gate, ended): no `phase`, no files.
 */
export interface GenerationLive {
  generation_id: string;
  status: GenerationStatus;
  phase?: number;
  sequence: number;
  current_file?: string;
  /** In the order begun; the file being written last. */
  files: GenerationLiveFile[];
}

/** One file of the live texts. */
export interface LiveFile {
  /** The exact text so far; null when unknown (a file a /live answer had without text, such as a delete). */
  text: string | null;
  /** True once a later file was begun (or /live said it is finished). */
  complete: boolean;
  /** The phase deletes this path (only from a /live answer). */
  deleted?: true;
}

/**
 * The exact texts so far of the phase in progress, rebuilt from the deltas (`offset <= known.length` →
 * `known.slice(0, offset) + text`; a larger offset is a gap, filled from `GET /live`).
 */
export interface LiveState {
  /** The phase in progress; null between phases. */
  phase: number | null;
  /** The file being written. */
  currentFile: string | null;
  /** By path, in the order begun; the file being written last. */
  files: { [path: string]: LiveFile };
  /** The id of the last event the texts include. */
  sequence: number | null;
  /** The id of the event that began the phase (an older /live answer is not taken). */
  since: number | null;
  /** 'needed': waits for a /live answer (a gap, a reload, a continued phase); 'unavailable': the server has no /live. */
  sync: 'needed' | 'unavailable' | null;
  /** /live answers in a row that left a gap. */
  attempts: number;
  /** The phase a `resumed` said continues ('unknown' for a watch that started after the events before it). */
  continues: number | 'unknown' | null;
  /** The latest events of the phase, applied again after a /live answer. */
  recent: ReadonlyArray<{ id: number; event: StreamingProgressEvent }>;
}

/** The live texts before any event; `{sync: 'needed'}` for a watch that resumes after an event id (a reload). */
export function initialLiveState(init?: { sync?: 'needed' | null }): LiveState;
/** The live texts after one event (pure): deltas, phase starts and ends, `resumed`. */
export function applyLiveEvent(live: LiveState, event: StreamingProgressEvent, meta?: { id?: string | number | null }): LiveState;
/** The live texts from a /live answer, then the events after its `sequence` applied again (pure). */
export function applyLiveAnswer(live: LiveState, answer: GenerationLive): LiveState;
/** Whether the live texts wait for a /live answer. */
export function liveNeedsSync(live: LiveState | null | undefined): boolean;

/** RFC 9457 Problem Details, as every error answer carries. */
export interface ProblemDetails {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  [extension: string]: unknown;
}

/**
 * Where a run stops for its user (`review` of start, iterate and retry): after the plan is made, and after the given
 * phases are saved (`"all"`: after each). Without it the run goes from start to end (or as the host's default says).
 */
export interface ReviewRequest {
  plan?: boolean;
  after_phases?: number[] | 'all';
}

/** `POST /generations` body. */
export interface StartGenerationRequest {
  prompt: string;
  entities?: string[];
  review?: ReviewRequest;
  /** The most tokens the run may spend; without it, the host's default. */
  budget?: GenerationBudget;
}

/** One phase of a revised plan (`revise_plan`). */
export interface RevisedPhase {
  name: string;
  entities?: string[];
}

/** One file of an `edit_files` input: new text, or a deletion. */
export type InputFile = { path: string; content: string; delete?: false } | { path: string; delete: true };

/**
 * The body of `POST /generations/{id}/input`. `approve` and `revise_plan` continue a run at a gate; `edit_files`, `lock`
 * and `instruct` at a gate are recorded and the run keeps waiting; `instruct` and `lock` are taken while a phase runs too.
 */
export type GenerationInput =
  | { action: 'approve'; instruction?: string }
  | { action: 'revise_plan'; phases: RevisedPhase[] }
  | { action: 'edit_files'; files: InputFile[] }
  | { action: 'lock'; paths: string[] }
  | { action: 'instruct'; instruction: string }
  | { action: 'cancel' };

/** The 202 body of `POST /generations/{id}/input`. */
export interface GenerationInputAccepted {
  generation_id: string;
  action: GenerationInput['action'];
  /** The SSE id of the event the input caused (`input_received`, or `cancelled`); absent for a cancel of a run running elsewhere. */
  event_id?: number;
  /** The status after the input: `awaiting_input` while the run still waits. */
  status: 'processing' | 'queued' | 'awaiting_input' | 'cancelled';
}

/** The 202 body of start, iterate and retry. */
export interface GenerationStarted {
  generation_id: string;
  /** Read token: stream, snapshot, files, zip. May travel in a URL. */
  sse_token: string;
  /** Control token: iterate from this generation, cancel, retry. Authorization header only, never in a URL. */
  control_token?: string;
  /** On a retry: the generation it retries. */
  retry_of?: string;
  /** On a fork: the generation whose phases it kept. */
  forked_from?: string;
  /** On a fork: the last phase of `forked_from` it kept. */
  from_phase?: number;
  stream_url: string;
  status_url: string;
  /** The budget the run is held to (the host's cap applied), when it has one. */
  budget?: GenerationBudget;
}

/** `GET /generations/{id}`. */
export interface GenerationSnapshot {
  generation_id: string;
  status: GenerationStatus;
  last_event_id: number;
  last_event?: StreamingProgressEvent;
  file_count: number;
  total_bytes: number;
  parent_generation_id?: string;
  retry_of?: string;
  /** For a fork: the generation whose phases it kept, and the last of them. */
  forked_from?: string;
  from_phase?: number;
  phases?: PhaseSummary[];
  phases_saved?: number;
  /** ISO 8601. */
  created_at?: string;
  /** ISO 8601; absent while the run is live. */
  ended_at?: string;
  /** Tokens spent so far, over all attempts. */
  usage?: TokenUsageOnWire;
  cost?: GenerationCost;
  budget?: GenerationBudget;
}

/** One generation of `GET /generations?owner=me`. */
export interface GenerationListItem {
  generation_id: string;
  /** The prompt, cut to 200 characters (with "…" when cut). */
  prompt: string;
  status: GenerationStatus;
  stage?: string;
  /** 0–100. */
  progress: number;
  /** ISO 8601. */
  created_at: string;
  ended_at?: string;
  parent_generation_id?: string;
  retry_of?: string;
  forked_from?: string;
  from_phase?: number;
  file_count: number;
  usage?: TokenUsageOnWire;
  cost?: GenerationCost;
  budget?: GenerationBudget;
}

/** `GET /generations?owner=me`: a page of the signed-in user's generations, newest first. */
export interface GenerationList {
  generations: GenerationListItem[];
  /** The cursor of the next page; absent on the last. */
  next_cursor?: string;
}

/** Which page `listGenerations` asks for. */
export interface ListGenerationsQuery {
  status?: GenerationStatus | null;
  /** 1–100; the server's default is 20. */
  limit?: number | null;
  /** The `next_cursor` of the previous page. */
  cursor?: string | null;
}

/** One saved file. */
export interface GenerationFile {
  path: string;
  size: number;
  /** The phase that wrote it last; 0 for a file carried over from the parent. */
  phase: number;
  sha256: string;
  /** `user` when the user wrote it last (an edit at a review gate); absent for the generator. */
  written_by?: 'user';
  /** True when the user locked the path: later phases may not write or delete it. */
  locked?: boolean;
}

/** `GET /generations/{id}/files`. */
export interface GenerationFileList {
  generation_id: string;
  status: GenerationStatus;
  files: GenerationFile[];
}

/**
 * A saved state as a diff (`against`) or a revert (`to`) names it: another generation's id (its files now), or
 * `phase:{k}` (the generation's own files once its phase k was saved; `phase:0` is what it started with).
 */
export type StateReference = string;

/** How a path differs. */
export type FileChangeKind = 'added' | 'modified' | 'deleted' | 'unchanged';

/** Why a changed file has no line diff: binary, larger than `limits.max_file_bytes`, past a limit, or its content unreadable. */
export type DiffSkipReason = 'binary' | 'too_large' | 'over_limit' | 'unavailable';

/** One path of a diff. */
export interface GenerationFileDiff {
  path: string;
  change: FileChangeKind;
  /** Absent when added. */
  old_sha256?: string;
  /** Absent when deleted. */
  new_sha256?: string;
  old_size?: number;
  new_size?: number;
  /** When the file was diffed. */
  added_lines?: number;
  deleted_lines?: number;
  /** Why a changed file has no `diff`. */
  skipped?: DiffSkipReason;
  /** The unified diff of this file (`git diff` format, with its `diff --git` header). */
  diff?: string;
}

/** The counts of a diff. */
export interface GenerationDiffSummary {
  added: number;
  modified: number;
  deleted: number;
  unchanged: number;
  /** Over the files that were diffed. */
  added_lines: number;
  deleted_lines: number;
}

/** The caps a diff was computed under (the host's settings). */
export interface GenerationDiffLimits {
  max_files: number;
  max_file_bytes: number;
  max_total_bytes: number;
}

/** `GET /generations/{id}/diff?against=…`: how `generation_id`'s files differ from an older state. */
export interface GenerationDiff {
  generation_id: string;
  /** The older side as asked. */
  against: StateReference;
  /** The generation whose files are the older side. */
  against_generation_id: string;
  /** When `against` names a phase. */
  against_phase?: number;
  /** Every path of either side, ordered by path; unchanged ones too. */
  files: GenerationFileDiff[];
  summary: GenerationDiffSummary;
  /** A limit left a changed text file without its line diff. */
  truncated: boolean;
  limits: GenerationDiffLimits;
}

/** What `diff` asks: the older side, the tokens, and whether the answer is the patch text. */
export interface DiffOptions {
  against: StateReference;
  /** This generation's read (or control) token, in the Authorization header; `null`: by ownership. */
  token: string | null;
  /** When `against` is another generation: its read token (sent in the query); left out or `null`: by ownership. */
  againstToken?: string | null;
  /** True: the patch (`Accept: text/x-diff`) as text, which `git apply` takes. */
  patch?: boolean;
}

/** What a fork keeps and changes (`POST /generations/{id}/fork`). */
export interface ForkRequest {
  /** The last phase to keep: from 1 to the last phase the generation saved. */
  fromPhase: number;
  /** What to do differently in the later phases. */
  modificationPrompt?: string | null;
  review?: ReviewRequest;
  budget?: GenerationBudget;
}

/** What a revert restores (`POST /generations/{id}/revert`). */
export interface RevertRequest {
  /** The paths to restore, each once. */
  paths: ReadonlyArray<string>;
  /** The state to restore them from. */
  to: StateReference;
}

// ---------------------------------------------------------------- watching

/** The connection as the watcher sees it. */
export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed';

/** Why a watch ended. */
export type EndReason =
  | 'completed'
  | 'failed'
  | 'cancelled'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'error'
  | 'closed_by_client';

/** What watchGeneration calls. */
export interface WatchHandlers {
  /** Every event, once each, in order, with its SSE id. */
  onEvent?: (event: StreamingProgressEvent, id: string | null) => void;
  onConnection?: (state: ConnectionState) => void;
  /**
   * Once. `detail` is the terminal event for completed/failed/cancelled, Problem Details for a refused stream,
   * nothing for closed_by_client.
   */
  onEnd?: (reason: EndReason, detail?: StreamingProgressEvent | ProblemDetails) => void;
  /**
   * The exact texts so far of the phase in progress, after each change. With it the watcher reads `GET {status URL}/live`
   * (the same token, in the header) when the deltas cannot rebuild them: a watch resuming after `lastEventId`, a gap,
   * a phase continuing from its checkpoint. Without it nothing is tracked or read.
   */
  onLive?: (live: LiveState) => void;
}

/** The part of EventSource the watcher uses; the browser's, or a Node.js package such as "eventsource". */
export interface EventSourceLike {
  readonly readyState: number;
  /** Set by the watcher; called with the browser's MessageEvent (`data`, `lastEventId`). */
  onopen: ((event: any) => any) | null;
  onmessage: ((event: any) => any) | null;
  onerror: ((event: any) => any) | null;
  close(): void;
}

/** An EventSource constructor. */
export interface EventSourceConstructor {
  new (url: string, init?: { withCredentials?: boolean }): EventSourceLike;
  readonly CONNECTING?: number;
}

/** The fetch the client uses. */
export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export interface WatchOptions {
  /** Resume after this event (a page restoring its state). */
  lastEventId?: string | number | null;
  /** The snapshot URL asked when the stream is refused; defaults to the stream URL without `/stream`. */
  statusUrl?: string;
  /** The live route (`onLive`); defaults to `{statusUrl}/live`. */
  liveUrl?: string;
  /** How often a refused stream is reopened (5xx, unreachable) before ending with 'error'; default 5. */
  maxRetries?: number;
  /** Resolves relative URLs (needed outside a browser page). */
  baseUrl?: string;
  EventSource?: EventSourceConstructor;
  fetch?: FetchLike;
  /** fetch's credentials mode; default 'same-origin'. 'include' also opens the stream withCredentials (a cookie across origins). */
  credentials?: RequestCredentials;
}

/**
 * Watches a generation's stream with resume: EventSource's own reconnect with Last-Event-ID after a drop; a clear end
 * when the stream is refused (204 after the end delivers the terminal event from the snapshot; 401/403/404).
 * @param token The read token (`sse_token`), never the control token; `null` reads by ownership (no token in the URL,
 *   the browser's credentials: the signed-in owner of a listed generation).
 * @returns Stops watching (the run goes on).
 */
export function watchGeneration(streamUrl: string, token: string | null, handlers?: WatchHandlers, options?: WatchOptions): () => void;

/** Appends `?token=` (EventSource cannot send an Authorization header). */
export function withToken(url: string, token: string): string;
export function withQuery(url: string, name: string, value: string | number): string;
export function resolveUrl(url: string, baseUrl?: string): string;
export function isTerminalStatus(status: string): status is 'completed' | 'failed' | 'cancelled';
/** The message for a request that got no answer: "The request to <origin> was refused by CORS or the server is unreachable (<error>)." */
export function unreachable(url: string, error: unknown): string;

// ---------------------------------------------------------------- many generations over one connection

/** One generation of a watch set: its id and its read or control token; `null` watches it by ownership (the caller owns it). */
export interface WatchManyMember {
  id: string;
  token: string | null;
}

/**
 * What watchMany follows: a named set (POST `{prefix}/watch`, then the stream with its watch token), or the signed-in
 * user's live generations and every one they start later (`GET {prefix}/stream?owner=me`, the browser's credentials).
 */
export type WatchManyTarget = { generations: ReadonlyArray<WatchManyMember> } | { owner: 'me' };

/** The 200 body of `POST {prefix}/watch`. */
export interface GenerationWatchResponse {
  /** Reads exactly the named generations; valid while any of them is live (then for the terminal grace period). */
  watch_token: string;
  /** The multiplexed stream, relative to the host. */
  stream_url: string;
  /** The ids, in the order of the request. */
  generations: string[];
}

/**
 * Why a multiplexed watch ended. `ended`: every member of the set delivered its terminal event (or the server answered
 * 204); `bad_request`: the set or cursor was refused (400, or 413 for a body too large: the detail names the entry or
 * limit, such as "at most 100"); `unauthorized`: a token (an entry's, or the watch token) missing, forged or expired, or
 * nobody signed in for `owner: 'me'`; `forbidden`: a token of another generation, or a request from another site;
 * `not_found`: the host resolves no owners; `too_many_streams`: 429, the owner has the most streams open; `error`: the
 * server could not be reached or kept failing.
 */
export type WatchManyEndReason =
  | 'ended'
  | 'closed_by_client'
  | 'bad_request'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'too_many_streams'
  | 'error';

/** One generation of a multiplexed watch: its progress state (progress never goes back), its latest event, whether it ended. */
export interface MemberProgress extends ProgressState {
  /** Its latest event; null before the first (a named member not heard of yet). */
  event: StreamingProgressEvent | null;
  /** Its terminal event arrived (completed, failed or cancelled): nothing more comes for it. */
  ended: boolean;
}

/** The state of a multiplexed watch. */
export interface WatchManyState {
  /** Each generation by id: the named ones in request order, then the others as first heard of. */
  generations: ReadonlyMap<string, MemberProgress>;
  connection: ConnectionState | 'idle';
  /** The stream's last `id:` (opaque; EventSource resumes after it by itself). */
  cursor: string | null;
  /** Why it ended; null while it runs. */
  ended: WatchManyEndReason | null;
  /** The refusal that ended it (its `status` and Problem Details). */
  error: GenerationApiError | null;
}

export interface WatchManyHandlers {
  /** Each member event once (a repeat is dropped), in its generation's order, with the stream's cursor. */
  onEvent?: (event: StreamingProgressEvent, cursor: string | null) => void;
  /** A member's terminal event arrived (after its onEvent). */
  onMemberEnd?: (generationId: string, event: StreamingProgressEvent) => void;
  onConnection?: (state: ConnectionState) => void;
  /** The refusal (400/401/403/404/413/429) or failure that ends the watch, before onEnd. */
  onError?: (error: GenerationApiError) => void;
  /** Once. */
  onEnd?: (reason: WatchManyEndReason, error?: GenerationApiError) => void;
  /** The whole state after each change (what the React hook and the Vue composable render from). */
  onChange?: (state: WatchManyState) => void;
}

export interface WatchManyOptions extends WatchManyHandlers {
  /** 'now' (default): each member starts at its latest event; 'start': each is replayed from its first. */
  from?: 'now' | 'start';
  /** How often a stream that fails (5xx, unreachable) is reopened before ending with 'error'; default 5. */
  maxRetries?: number;
}

/** A running multiplexed watch. */
export interface WatchManyHandle {
  readonly state: WatchManyState;
  /** The latest event of one generation; undefined before its first. */
  latest(generationId: string): StreamingProgressEvent | undefined;
  /** Stops watching (the runs go on); onEnd('closed_by_client'). */
  close(): void;
}

/**
 * Many generations over ONE connection, with resume (one cursor for the whole set). A target or `from` the server would
 * refuse on its face throws at once (an empty set, an entry without id, a token left out: pass `null` to watch by
 * ownership); what only the server knows (more than its cap, a bad token, too many streams) ends the watch with
 * onError and onEnd.
 */
export function watchMany(target: WatchManyTarget, options?: WatchManyOptions & GenerationsClientOptions): WatchManyHandle;

export function initialWatchManyState(ids?: ReadonlyArray<string>): WatchManyState;
/** The state after one member event (a new Map; the member's progress folded as applyEvent does). */
export function applyWatchManyEvent(state: WatchManyState, event: StreamingProgressEvent, meta?: { id?: string | null; receivedAt?: number }): WatchManyState;

// ---------------------------------------------------------------- the React hook and the Vue composable

/** watchGeneration's options, and the control token `sendInput` sends. */
export interface IterationProgressOptions extends WatchOptions {
  /** Sent by `sendInput` in the Authorization header (never in a URL); `null` acts by ownership. */
  controlToken?: string | null;
}

/**
 * The hooks' `sendInput`: answers the watched generation's review gate (or instructs a running phase) with POST
 * `{status URL}/input` and the control token (`options.controlToken` unless given) in the Authorization header. Rejects
 * with a GenerationApiError when refused.
 */
export type SendInput = (input: GenerationInput, options?: { controlToken?: string | null }) => Promise<GenerationInputAccepted>;

/**
 * The hooks' `fork`: POST `{status URL}/fork` for the watched generation with the control token (`options.controlToken`
 * unless given). Resolves with the new generation's 202 body (`forked_from`, `from_phase`); a `fromPhase` below 1 throws at once.
 */
export type ForkSender = (request: ForkRequest, options?: { controlToken?: string | null }) => Promise<GenerationStarted>;

/**
 * The hooks' `revert`: POST `{status URL}/revert` for the watched generation with the control token. Resolves with the
 * new generation's 202 body; an empty, relative-less or repeated path, or a malformed `to`, throws at once.
 */
export type RevertSender = (request: RevertRequest, options?: { controlToken?: string | null }) => Promise<GenerationStarted>;

/** A diff as the hooks hold it: the last one loaded (kept while reload() asks again), and the last refusal. */
export interface DiffState<T = GenerationDiff> {
  diff: T | null;
  loading: boolean;
  /** A GenerationApiError (403 naming the generation refused, 400 an unsaved phase), or the misuse; null after a load. */
  error: unknown;
}

/** What useDiff takes: the tokens, `patch`, and a client or the options to make one. */
export interface DiffHookOptions extends GenerationsClientOptions {
  /** This generation's read token; `null`: by ownership; nothing loads while it is undefined or empty. */
  token?: string | null;
  againstToken?: string | null;
  patch?: boolean;
  client?: Pick<GenerationsClient, 'diff'>;
}

// ---------------------------------------------------------------- HTTP calls

/**
 * A refused request. `status` 0: no answer came, because the browser's CORS check refused the request or the server
 * could not be reached (a browser does not tell them apart); `problem.detail` says both, naming the origin, and `cause`
 * is the browser's own error.
 */
export class GenerationApiError extends Error {
  constructor(status: number, problem?: ProblemDetails | null, options?: { cause?: unknown });
  readonly status: number;
  readonly problem: ProblemDetails;
}

/** The Problem Details `type` of a budget refusal. */
export const BUDGET_EXCEEDED_TYPE: 'https://iteration-streaming.dev/problems/budget-exceeded';

/**
 * A start, iterate or retry refused for a budget (429 of type BUDGET_EXCEEDED_TYPE): the owner's tokens per day or
 * generations running at once. Also a GenerationApiError.
 */
export class BudgetExceededError extends GenerationApiError {
  constructor(status: number, problem?: ProblemDetails | null, options?: { cause?: unknown; retryAfter?: number });
  /** `owner_tokens_per_day`, `owner_concurrent_generations` or a host policy's own name; empty when not named. */
  readonly limit: string;
  /** The limit's value. */
  readonly allowed: number | null;
  /** How much of it is used (tokens spent and reserved today, or generations running). */
  readonly used: number | null;
  /** When it resets (`resets_at`), when it does. */
  readonly resetsAt: Date | null;
  /** The Retry-After header in seconds (cross-origin only when the host exposes it). */
  readonly retryAfter: number | null;
}

export interface GenerationsClientOptions {
  /** Where the host is; a page leaves it out (same origin). */
  baseUrl?: string;
  /** The route group; default `/generations`. */
  prefix?: string;
  fetch?: FetchLike;
  EventSource?: EventSourceConstructor;
  /**
   * fetch's credentials mode for every call; default 'same-origin'. The server answers the list and reads or actions by
   * ownership only to its own pages (Sec-Fetch-Site), so 'include' helps only a host that authorises otherwise.
   */
  credentials?: RequestCredentials;
}

export interface FileText {
  text: string;
  /** True when the file is longer than `maxBytes` and only its start was read. */
  truncated: boolean;
  contentType: string;
}

/**
 * Tokens: a string is sent (a read token may go in a link's query; a control token only in the Authorization header);
 * `null` means by ownership: nothing is sent, and the browser's credentials let the host answer the signed-in owner.
 */
export interface GenerationsClient {
  /** A budget refusal rejects with a BudgetExceededError; a budget value below 1 throws a RangeError at once. */
  start(request: StartGenerationRequest): Promise<GenerationStarted>;
  /** Needs the parent's control token (`null`: by ownership). */
  iterate(parentGenerationId: string, modificationPrompt: string, parentControlToken: string | null, options?: { review?: ReviewRequest; budget?: GenerationBudget }): Promise<GenerationStarted>;
  /**
   * A failed or cancelled generation → a new one reusing its saved phases (409 while running or after completion);
   * after `budget_exceeded`, pass a higher `budget`.
   */
  retry(generationId: string, controlToken: string | null, options?: { review?: ReviewRequest; budget?: GenerationBudget }): Promise<GenerationStarted>;
  /**
   * One page of the signed-in user's generations, newest first. Rejects with a GenerationApiError: 401 nobody signed
   * in, 403 from another site, 400 a cursor of another list, 404 the host lists no owners. A bad status, limit or
   * cursor throws at once.
   */
  listGenerations(query?: ListGenerationsQuery): Promise<GenerationList>;
  /** Every generation of the signed-in user, a page at a time. */
  listAllGenerations(options?: { status?: GenerationStatus | null; pageSize?: number }): AsyncGenerator<GenerationListItem, void, undefined>;
  /**
   * The user's input at a review gate, or an instruction while a phase runs; the control token goes in the
   * Authorization header. Rejects with a GenerationApiError: 400 naming the field, 409 naming the status when the
   * action needs a gate and the run is not at one (or it ended), 429 past the instruction cap, 401/403/404 as cancel.
   */
  sendInput(generationId: string, input: GenerationInput, options: { controlToken: string | null }): Promise<GenerationInputAccepted>;
  /**
   * A new generation keeping phases 1..`fromPhase` of this one and generating the rest (`token`: the control token,
   * `null` by ownership). 400 past the last saved phase; 409 while it runs. A `fromPhase` below 1 throws at once.
   */
  fork(generationId: string, request: ForkRequest & { token: string | null }): Promise<GenerationStarted>;
  /**
   * A new iteration restoring `paths` as they were in `to`, without the model (`token`: the control token). 409 while
   * it runs or for a locked path. A path list or `to` the server would refuse on its face throws at once, naming the entry.
   */
  revert(generationId: string, request: RevertRequest & { token: string | null; /** When `to` is another generation: its read token (sent as `?to_token=`); left out, by ownership. */ toToken?: string | null }): Promise<GenerationStarted>;
  /**
   * How this generation's files differ from `against`; with `patch: true` the patch text. 403 names the generation
   * refused (`against generation '…'`); 400 an unsaved phase. A malformed `against` throws at once.
   */
  diff(generationId: string, options: DiffOptions & { patch: true }): Promise<string>;
  diff(generationId: string, options: DiffOptions & { patch?: false }): Promise<GenerationDiff>;
  diff(generationId: string, options: DiffOptions): Promise<GenerationDiff | string>;
  /** True: being cancelled; false: it had already ended (409). */
  cancel(generationId: string, controlToken: string | null): Promise<boolean>;
  snapshot(generationId: string, token: string | null): Promise<GenerationSnapshot>;
  files(generationId: string, token: string | null): Promise<GenerationFileList>;
  /** `GET {prefix}/{id}/live`: the phase in progress, its finished files and the text so far of the one being written. */
  live(generationId: string, token: string | null): Promise<GenerationLive>;
  readFile(generationId: string, path: string, token: string | null, options?: { maxBytes?: number }): Promise<FileText>;
  /** A link with the read token in its query (none for `null`: the owner's cookie opens it). */
  fileUrl(generationId: string, path: string, token: string | null): string;
  archiveUrl(generationId: string, token: string | null): string;
  /** A 202 answer, or a listed generation (no token: by ownership). */
  watch(started: Pick<GenerationStarted, 'stream_url' | 'sse_token' | 'status_url'> | Pick<GenerationListItem, 'generation_id'>, handlers?: WatchHandlers, options?: WatchOptions): () => void;
  /** Many generations over one connection: a named set (POST {prefix}/watch) or `{owner: 'me'}`. */
  watchMany(target: WatchManyTarget, options?: WatchManyOptions): WatchManyHandle;
}

export function createGenerationsClient(options?: GenerationsClientOptions): GenerationsClient;

/** A list of the user's generations as the hooks hold it. */
export interface GenerationListState {
  generations: GenerationListItem[];
  nextCursor: string | null;
  hasMore: boolean;
  loading: boolean;
  /** The last refusal (a GenerationApiError), until the next load succeeds. */
  error: unknown;
}

/** What useGenerations takes: the query, and a client or the options to make one. */
export interface GenerationsListOptions extends GenerationsClientOptions {
  status?: GenerationStatus | null;
  limit?: number | null;
  client?: Pick<GenerationsClient, 'listGenerations'>;
}

export interface GenerationPager {
  readonly state: GenerationListState;
  /** Loads the first page again. */
  refresh(): Promise<void>;
  /** Appends the next page; nothing while one loads or when there is none. */
  loadMore(): Promise<void>;
  /** Drops answers still to come. */
  dispose(): void;
}

export function initialListState(): GenerationListState;
/** The paging the hooks share: `onChange` after each change; an answer after a newer refresh or dispose() is dropped. */
export function createGenerationPager(
  client: Pick<GenerationsClient, 'listGenerations'>,
  query?: { status?: GenerationStatus | null; limit?: number | null },
  onChange?: (state: GenerationListState) => void,
): GenerationPager;

/** A file path as URL segments. */
export function encodePath(path: string): string;

// ---------------------------------------------------------------- progress state

/** A phase of the timeline. `kept`: saved by an earlier attempt and not generated again (resume or retry). */
export interface PhaseView {
  phase: number;
  name: string | null;
  state: 'pending' | 'current' | 'done' | 'kept' | 'failed' | 'stopped';
  /** Files generated in the phase, when known. */
  files: number | null;
}

/** What a `resumed` event said. */
export interface ResumeView {
  message: string;
  phasesKept: number;
  filesKept: number;
  /** The phase it continued with; null when every phase was saved. */
  nextPhase: number | null;
  /** Where that phase continues inside (`resumed_mid_phase`); null when it starts from its beginning. */
  midPhase: { phase: number; file: string | null; chars: number; filesKept: number } | null;
}

export interface WarningView {
  type: string;
  message: string;
  missingFiles: string[];
  parentFileCount: number | null;
  newFileCount: number | null;
}

/** A generation's progress, folded from its events. */
export interface ProgressState {
  generationId: string | null;
  parentGenerationId: string | null;
  retryOf: string | null;
  /**
   * A generation status; 'pending' before the first event. The hooks set a refusal ('unauthorized', 'forbidden',
   * 'not_found', 'error') when the stream is refused.
   */
  status: GenerationStatus | 'pending' | 'unauthorized' | 'forbidden' | 'not_found' | 'error';
  stage: string | null;
  /** Percent, 0–100. */
  progress: number;
  message: string;
  /** Seconds left, while processing. */
  eta: number | null;
  phaseInfo: PhaseInfo | null;
  phases: PhaseView[];
  totalPhases: number | null;
  currentPhase: number | null;
  /** `total_files`: files the run generated so far, kept phases included. */
  filesGenerated: number;
  resumed: ResumeView | null;
  currentFile: string | null;
  /** A file being written, from `partial_output: {file, chars}`. */
  writing: { file: string; chars: number } | null;
  /** Tokens spent: from `completed`, or a snapshot's `usage` (spend so far). */
  usage: { inputTokens: number; outputTokens: number } | null;
  /** What they cost, when the host has a price table. */
  cost: GenerationCost | null;
  /** The budget the run is held to (from `initialProgress({budget})` with the 202's, or a snapshot). */
  budget: GenerationBudget | null;
  warning: WarningView | null;
  /** What the run waits for while the status is `awaiting_input` (the last event's `input_request`); null otherwise. */
  inputRequest: InputRequest | null;
  /**
   * The exact texts so far of the phase in progress: set by watchGeneration's `onLive` (the hooks do it); applyEvent
   * leaves it as it is. Null until a watcher reports it.
   */
  live: LiveState | null;
  error: string | null;
  /** Unix seconds, server clock. */
  startedAt: number | null;
  endedAt: number | null;
  /** Server clock minus this clock, seconds. */
  clockOffset: number;
  lastEventId: string | null;
}

export function initialProgress(init?: { generationId?: string | null; parentGenerationId?: string | null; retryOf?: string | null; budget?: GenerationBudget | null }): ProgressState;
export function applyEvent(state: ProgressState, event: StreamingProgressEvent, meta?: { id?: string | number | null; receivedAt?: number }): ProgressState;
export function applySnapshot(state: ProgressState, snapshot: GenerationSnapshot, meta?: { receivedAt?: number }): ProgressState;
/** Seconds since the start, or the duration once ended; null before the first event. */
export function elapsedSeconds(state: ProgressState, now?: number): number | null;

export interface FileCounts {
  /** Files on record now. */
  saved: number;
  /** Carried over from the parent unchanged. */
  fromParent: number;
  /** Saved files this generation wrote. */
  written: number;
  /** Files the run generated (`total_files`). */
  generated: number;
  /** Files of phases a resume or retry kept. */
  kept: number;
  /** Generated in the phase that failed or was cancelled, not saved. */
  notSaved: number;
}

export function fileCounts(state: ProgressState, files?: ReadonlyArray<Pick<GenerationFile, 'path' | 'phase'>>): FileCounts;
export function formatDuration(seconds: number | null | undefined): string;
export function formatEta(seconds: number | null | undefined): string;
