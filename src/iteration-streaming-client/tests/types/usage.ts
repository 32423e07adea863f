// Compiled by tsc --strict in types.test.js: the package's declarations as a TypeScript user meets them, through the
// package's own name and exports (self-reference), with the mistakes the types must catch marked @ts-expect-error.
import {
  applyEvent, applySnapshot, BudgetExceededError, BUDGET_EXCEEDED_TYPE, createGenerationPager, createGenerationsClient,
  elapsedSeconds, fileCounts, formatDuration, GenerationApiError, initialListState, initialProgress, unreachable, watchGeneration,
  watchMany, initialWatchManyState, applyWatchManyEvent, type WatchManyEndReason, type WatchManyState, type MemberProgress,
  type EndReason, type GenerationBudget, type GenerationInput, type GenerationList, type GenerationListItem, type GenerationStarted,
  type InputRequest, type ProgressState, type StreamingProgressEvent, type GenerationDiff, type FileChangeKind, type DiffSkipReason,
  type PhaseChanges, initialLiveState, applyLiveEvent, applyLiveAnswer, liveNeedsSync, type LiveState, type GenerationLive,
  type ResumedMidPhase,
} from 'iteration-streaming-client';
import {
  useDiff as useReactDiff, useGenerations as useReactGenerations, useIterationProgress as useReactProgress, useWatchMany as useReactWatchMany,
} from 'iteration-streaming-client/react';
import {
  useDiff as useVueDiff, useGenerations as useVueGenerations, useIterationProgress as useVueProgress, useWatchMany as useVueWatchMany,
} from 'iteration-streaming-client/vue';

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

  // Review gates: chosen at start, iterate and retry; answered with sendInput (control token in the header).
  const gated = await api.start({ prompt: 'A task tracker', review: { plan: true, after_phases: [1] } });
  await api.iterate(gated.generation_id, 'Add auth', 'control', { review: { after_phases: 'all' } });
  await api.retry(gated.generation_id, 'control', { review: { plan: true } });
  const request: InputRequest | null = state.inputRequest;
  if (request?.kind === 'phase') {
    const phase: number | undefined = request.phase;
    const expires: number = request.expires_at;
    void phase; void expires;
  }
  const inputs: GenerationInput[] = [
    { action: 'approve' },
    { action: 'approve', instruction: 'Use PostgreSQL' },
    { action: 'revise_plan', phases: [{ name: 'Core' }, { name: 'Tasks', entities: ['Task'] }] },
    { action: 'edit_files', files: [{ path: 'src/a.cs', content: 'x' }, { path: 'b.cs', delete: true }] },
    { action: 'lock', paths: ['src/a.cs'] },
    { action: 'instruct', instruction: 'Use PostgreSQL' },
    { action: 'cancel' },
  ];
  const accepted = await api.sendInput(gated.generation_id, inputs[1]!, { controlToken: 'control' });
  const waitsStill: boolean = accepted.status === 'awaiting_input';
  const eventId: number | undefined = accepted.event_id;
  void waitsStill; void eventId;
  const { files: listed } = await api.files(gated.generation_id, gated.sse_token);
  const mine: boolean = listed.some((f) => f.written_by === 'user' || f.locked === true);
  void mine;

  // @ts-expect-error an unknown action
  await api.sendInput(gated.generation_id, { action: 'skip' }, { controlToken: 'control' });
  // @ts-expect-error instruct needs its instruction
  await api.sendInput(gated.generation_id, { action: 'instruct' }, { controlToken: 'control' });
  // @ts-expect-error the control token is required
  await api.sendInput(gated.generation_id, { action: 'approve' });
  // @ts-expect-error after_phases is phase numbers or "all"
  await api.start({ prompt: 'x', review: { after_phases: 'some' } });

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

// The signed-in user's list, budgets, and reads and actions by ownership (a null token).
export async function owned(): Promise<void> {
  const api = createGenerationsClient({ credentials: 'include' });
  const page: GenerationList = await api.listGenerations({ status: 'failed', limit: 20, cursor: null });
  const next: string | undefined = page.next_cursor;
  void next;
  for await (const item of api.listAllGenerations({ pageSize: 50 })) {
    const listed: GenerationListItem = item;
    const spent: number | undefined = listed.usage?.output_tokens;
    const allowed: number | undefined = listed.budget?.max_output_tokens;
    const price: string | undefined = listed.cost?.currency;
    void spent; void allowed; void price;
    api.watch(listed, { onEvent: (event) => void event.partial_output?.cost?.amount });
    const snapshot = await api.snapshot(listed.generation_id, null);
    const used: number | undefined = snapshot.usage?.input_tokens;
    void used;
    await api.files(listed.generation_id, null);
    void api.fileUrl(listed.generation_id, 'a.cs', null);
    await api.cancel(listed.generation_id, null);
    await api.sendInput(listed.generation_id, { action: 'approve' }, { controlToken: null });
  }
  watchGeneration('/generations/g/stream', null, {}, { credentials: 'include' });

  const budget: GenerationBudget = { max_output_tokens: 2000 };
  const started = await api.start({ prompt: 'x', budget });
  const heldTo: GenerationBudget | undefined = started.budget;
  void heldTo;
  await api.iterate(started.generation_id, 'More', null, { budget: { max_total_tokens: 9000 } });
  try {
    await api.retry(started.generation_id, null, { budget: { max_output_tokens: 8000 }, review: { plan: true } });
  } catch (error) {
    if (error instanceof BudgetExceededError) {
      const limit: string = error.limit;
      const resets: Date | null = error.resetsAt;
      const left: number | null = error.allowed === null || error.used === null ? null : error.allowed - error.used;
      const seconds: number | null = error.retryAfter;
      void limit; void resets; void left; void seconds;
    }
  }
  const type: 'https://iteration-streaming.dev/problems/budget-exceeded' = BUDGET_EXCEEDED_TYPE;
  void type;

  const state = initialProgress({ budget: started.budget ?? null });
  const cost: number | undefined = state.cost?.amount;
  void cost;

  const pager = createGenerationPager(api, { status: 'completed' }, (s) => void s.generations.length);
  await pager.refresh();
  await pager.loadMore();
  void initialListState().hasMore;

  // @ts-expect-error a status the server does not know
  await api.listGenerations({ status: 'done' });
  // @ts-expect-error budget values are numbers
  await api.start({ prompt: 'x', budget: { max_output_tokens: '2000' } });
  // @ts-expect-error a token is required, or null for ownership
  await api.snapshot(started.generation_id);
}

export function ReactComponent(props: { streamUrl: string | null; token: string | null }): string {
  const progress = useReactProgress(props.streamUrl, props.token, { controlToken: 'control' });
  const connection: 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed' = progress.connection;
  void connection;
  if (progress.status === 'awaiting_input' && progress.inputRequest?.kind === 'plan') {
    void progress.sendInput({ action: 'revise_plan', phases: progress.inputRequest.phases.map((p) => ({ name: p.name })) });
  }
  // @ts-expect-error the hook's value is not a ref
  void progress.status.value;
  const mine = useReactGenerations({ status: 'failed', limit: 10 });
  if (mine.hasMore && !mine.loading) void mine.loadMore();
  const first: string | undefined = mine.generations[0]?.generation_id;
  void first; void mine.refresh;
  // @ts-expect-error the list's value is not a ref
  void mine.generations.value;
  return `${Math.round(progress.progress)}% ${progress.status} ${progress.phases.length}`;
}

export function vueSetup(streamUrl: string, token: string) {
  const { progress, status, phases, state, disconnect, inputRequest, sendInput } = useVueProgress(streamUrl, token, { lastEventId: '12', controlToken: 'c' });
  const percent: number = progress.value;
  if (inputRequest.value) void sendInput({ action: 'approve' }, { controlToken: 'other' });
  // @ts-expect-error the input request is read-only
  inputRequest.value = null;
  const count: number = phases.value.length;
  const resumed = state.value.resumed?.phasesKept;
  // @ts-expect-error the refs are read-only
  status.value = 'completed';
  disconnect();
  const mine = useVueGenerations({ baseUrl: 'http://127.0.0.1:5000' });
  const listed: number = mine.generations.value.length;
  void mine.loadMore();
  // @ts-expect-error the list refs are read-only
  mine.loading.value = true;
  return { percent, count, resumed, listed };
}

// Many generations over one connection: a named set (tokens, or null by ownership) or the owner's stream.
export function many(started: GenerationStarted, event: StreamingProgressEvent): string {
  const api = createGenerationsClient({ baseUrl: 'http://127.0.0.1:5000' });
  const set = api.watchMany({ generations: [{ id: started.generation_id, token: started.sse_token }, { id: 'g-2', token: null }] }, {
    from: 'start',
    onEvent(e: StreamingProgressEvent, cursor: string | null) { void e.generation_id; void cursor; },
    onMemberEnd(id: string, last: StreamingProgressEvent) { void id; void last.status; },
    onError(error: GenerationApiError) { void error.status; void error.problem.detail; },
    onEnd(reason: WatchManyEndReason, error) { void reason; void error?.status; },
  });
  const member: MemberProgress | undefined = set.state.generations.get(started.generation_id);
  const percent: number | undefined = member?.progress;
  const latest: StreamingProgressEvent | undefined = set.latest(started.generation_id);
  set.close();
  const owner = watchMany({ owner: 'me' }, { baseUrl: 'http://127.0.0.1:5000', credentials: 'include', onChange: (s: WatchManyState) => void s.generations.size });
  owner.close();
  let state = initialWatchManyState(['g-1']);
  state = applyWatchManyEvent(state, event, { id: 'cursor' });
  const ended: boolean | undefined = state.generations.get('g-1')?.ended;

  // @ts-expect-error owner is 'me' only
  watchMany({ owner: 'alice' });
  // @ts-expect-error a member's token is a string, or null for ownership
  watchMany({ generations: [{ id: 'g-1' }] });
  // @ts-expect-error from is 'now' or 'start'
  watchMany({ owner: 'me' }, { from: 'end' });
  // @ts-expect-error the state's map is read-only
  state.generations.set('g-2', member!);
  return `${percent} ${latest?.stage} ${ended}`;
}

export function ReactList(): number {
  const live = useReactWatchMany({ owner: 'me' }, { onMemberEnd: (id) => void id });
  const idle: 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed' = live.connection;
  void idle;
  live.close();
  const none = useReactWatchMany(null);
  return [...live.generations.values()].filter((g) => !g.ended).length + none.generations.size;
}

export function vueList() {
  const { generations, connection, ended, close } = useVueWatchMany({ generations: [{ id: 'g-1', token: 'read' }] }, { from: 'now' });
  const count: number = generations.value.size;
  const why: WatchManyEndReason | null = ended.value;
  // @ts-expect-error the refs are read-only
  connection.value = 'open';
  close();
  return { count, why };
}

// Diff any two saved states, fork from a phase, revert files.
export async function changes(started: GenerationStarted, parent: GenerationStarted): Promise<string> {
  const api = createGenerationsClient({ baseUrl: 'http://127.0.0.1:5000' });
  const diff: GenerationDiff = await api.diff(started.generation_id, { against: parent.generation_id, token: started.sse_token, againstToken: parent.sse_token });
  const kinds: FileChangeKind[] = diff.files.map((f) => f.change);
  const skipped: DiffSkipReason | undefined = diff.files[0]?.skipped;
  const lines: number = diff.summary.added_lines + diff.limits.max_files;
  const phase: number | undefined = diff.against_phase;
  const text: string = await api.diff(started.generation_id, { against: 'phase:0', token: null, patch: true });
  const fork = await api.fork(started.generation_id, { fromPhase: 2, modificationPrompt: 'Use PostgreSQL', review: { plan: true }, token: 'control' });
  const forkedFrom: string | undefined = fork.forked_from;
  const fromPhase: number | undefined = fork.from_phase;
  const revert = await api.revert(started.generation_id, { paths: ['src/a.cs'], to: 'phase:1', token: null });
  const snapshot = await api.snapshot(revert.generation_id, revert.sse_token);
  const kept: number | undefined = snapshot.from_phase;
  const counts: PhaseChanges | undefined = diff.files.length > 0 ? { added: 1, modified: 0, deleted: 0 } : undefined;
  void kinds; void skipped; void lines; void phase; void forkedFrom; void fromPhase; void kept; void counts;

  // @ts-expect-error the diff needs its older side
  await api.diff(started.generation_id, { token: 'read' });
  // @ts-expect-error a token is required, or null for ownership
  await api.diff(started.generation_id, { against: 'phase:1' });
  // @ts-expect-error a patch is text, not a diff
  const notDiff: GenerationDiff = await api.diff(started.generation_id, { against: 'phase:1', token: 'read', patch: true });
  // @ts-expect-error fromPhase is a number
  await api.fork(started.generation_id, { fromPhase: '2', token: 'control' });
  // @ts-expect-error a revert needs its paths
  await api.revert(started.generation_id, { to: 'phase:1', token: 'control' });
  // @ts-expect-error an unknown change kind
  const kind: FileChangeKind = 'renamed';
  void notDiff; void kind;
  return text;
}

export function ReactChanges(props: { id: string; parent: string | null; token: string }): number {
  const { diff, loading, error, reload } = useReactDiff(props.id, props.parent, { token: props.token, againstToken: 'parent-read' });
  const patch = useReactDiff(props.id, 'phase:1', { token: props.token, patch: true });
  const text: string | null = patch.diff;
  const progress = useReactProgress(`/generations/${props.id}/stream`, props.token, { controlToken: 'control' });
  void progress.fork({ fromPhase: 2 }).then((started) => started.forked_from);
  void progress.revert({ paths: ['a.cs'], to: 'phase:0' }, { controlToken: 'other' });
  void reload(); void error; void text;
  // @ts-expect-error the hook's diff is not a ref
  void diff?.files.value;
  return loading ? 0 : diff?.summary.modified ?? 0;
}

export function vueChanges(id: string) {
  const { diff, loading, reload } = useVueDiff(id, 'phase:0', { token: null });
  const { fork, revert } = useVueProgress(`/generations/${id}/stream`, 'read', { controlToken: 'c' });
  void fork({ fromPhase: 1, budget: { max_total_tokens: 9000 } });
  void revert({ paths: ['a.cs'], to: 'g-2' });
  void reload();
  // @ts-expect-error the refs are read-only
  loading.value = true;
  return diff.value?.files.length ?? 0;
}

export async function liveTexts(id: string): Promise<string | null> {
  const api = createGenerationsClient();
  const answer: GenerationLive = await api.live(id, 'read');
  let live: LiveState = applyLiveAnswer(initialLiveState({ sync: 'needed' }), answer);
  const stop = watchGeneration(`/generations/${id}/stream`, 'read', {
    onEvent(event) {
      const mid: ResumedMidPhase | undefined = event.resumed_mid_phase;
      const offset: number | undefined = event.partial_output?.offset;
      void mid; void offset;
    },
    onLive(next) { live = next; },
  }, { lastEventId: 12, liveUrl: `/generations/${id}/live` });
  stop();
  live = applyLiveEvent(live, { generation_id: id, status: 'processing', stage: 'phase_1_progress', progress: 0.5, message: '', timestamp: 1, partial_output: { file: 'a.ts', offset: 0, text: 'x' } }, { id: 13 });
  const state: ProgressState = { ...initialProgress(), live };
  const where = state.resumed?.midPhase?.file;
  void where; void liveNeedsSync(state.live);
  const progress = useReactProgress(`/generations/${id}/stream`, 'read');
  const fileText: string | null | undefined = progress.live?.files['a.ts']?.text;
  const vue = useVueProgress(`/generations/${id}/stream`, 'read');
  const current: string | null | undefined = vue.live.value?.currentFile;
  // @ts-expect-error the live texts are read from the state, not set on it
  vue.live.value = null;
  // @ts-expect-error sync is one of the named values
  const sync: LiveState['sync'] = 'later';
  void sync; void current;
  return fileText ?? live.files['a.ts']?.text ?? null;
}
