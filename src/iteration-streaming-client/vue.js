// Vue: useIterationProgress(streamUrl, sseToken) — the guide's composable, on top of watchGeneration and the progress
// state (same differences from the guide as the React hook). Every field is a read-only ref; `inputRequest` is what a
// run at a review gate asks, and `sendInput` answers it; `fork` and `revert` start a new generation from the watched one.
// useWatchMany(target) follows many generations over one connection; useDiff(id, against) loads a diff.
import { onMounted, onUnmounted, readonly, ref } from 'vue';
import { watchGeneration } from './watch.js';
import { applyEvent, initialProgress } from './progress.js';
import { createDiffLoader, diffReady, endState, initialDiffState, inputSender, startSenders } from './hook-state.js';
import { createGenerationsClient, watchMany } from './api.js';
import { initialWatchManyState } from './progress.js';
import { createGenerationPager, initialListState } from './list.js';

/**
 * @param {string|null|undefined} streamUrl  The `stream_url` of the 202 answer.
 * @param {string|null|undefined} sseToken   The read token; `null` reads by ownership (no token, the browser's
 *   credentials); nothing is watched while it is undefined or empty.
 * @param {object} [options]  watchGeneration's options, and `controlToken` for `sendInput`, `fork` and `revert`.
 * @returns Read-only refs of the progress state's fields (progress in percent, status, message, phases, inputRequest,
 *   `live`: the exact texts of the phase in progress, ...),
 *   `connection`, `state` (the whole state in one ref), `disconnect()`, `sendInput(input, {controlToken}?)`,
 *   `fork({fromPhase, modificationPrompt?, review?, budget?}, {controlToken}?)` and `revert({paths, to}, {controlToken}?)`.
 */
export function useIterationProgress(streamUrl, sseToken, options) {
  let current = initialProgress();
  const state = ref(current);
  const connection = ref('idle');
  const fields = Object.fromEntries(Object.keys(current).map((key) => [key, ref(current[key])]));
  let stop = null;

  const update = (next) => {
    for (const key of Object.keys(fields)) {
      if (next[key] !== current[key]) fields[key].value = next[key];
    }
    current = next;
    state.value = next;
  };

  const connect = () => {
    if (!streamUrl || sseToken === undefined || sseToken === '' || stop) return;
    connection.value = 'connecting';
    stop = watchGeneration(streamUrl, sseToken, {
      onEvent: (event, id) => update(applyEvent(current, event, { id })),
      onConnection: (value) => { connection.value = value; },
      onEnd: (reason, detail) => update(endState(current, reason, detail)),
      onLive: (live) => update({ ...current, live }),
    }, options);
  };

  const disconnect = () => {
    const close = stop;
    stop = null;
    close?.();
  };

  onMounted(connect);
  onUnmounted(disconnect);

  const readonlyFields = Object.fromEntries(Object.entries(fields).map(([key, value]) => [key, readonly(value)]));
  return {
    ...readonlyFields, state: readonly(state), connection: readonly(connection), disconnect, sendInput: inputSender(streamUrl, options), ...startSenders(streamUrl, options),
  };
}

/**
 * The signed-in user's generations (GET /generations?owner=me), newest first: the first page on mount, `loadMore()`
 * for the next, `refresh()` after starting one. No token: the browser's credentials name the user.
 * @param {object} [options]  `status`, `limit`, and the client's (`baseUrl`, `prefix`, `fetch`, `credentials`) or a `client`.
 * @returns Read-only refs `generations`, `nextCursor`, `hasMore`, `loading`, `error`, and `refresh()`, `loadMore()`.
 */
export function useGenerations(options = {}) {
  const initial = initialListState();
  const fields = Object.fromEntries(Object.keys(initial).map((key) => [key, ref(initial[key])]));
  const client = options.client ?? createGenerationsClient(options);
  const pager = createGenerationPager(client, { status: options.status ?? null, limit: options.limit ?? null }, (next) => {
    for (const key of Object.keys(fields)) {
      if (fields[key].value !== next[key]) fields[key].value = next[key];
    }
  });

  onMounted(() => { pager.refresh(); });
  onUnmounted(() => pager.dispose());

  const readonlyFields = Object.fromEntries(Object.entries(fields).map(([key, value]) => [key, readonly(value)]));
  return { ...readonlyFields, refresh: () => pager.refresh(), loadMore: () => pager.loadMore() };
}

/**
 * Many generations over one connection (watchMany), from mount to unmount. `target`: `{generations: [{id, token}]}` or
 * `{owner: 'me'}`; nothing is watched while it is null or undefined.
 * @param {object|null|undefined} target
 * @param {object} [options]  watchMany's options (`from`, `onEvent`, `onMemberEnd`, `onError`, ...) and the client's.
 * @returns Read-only refs `generations` (a Map: id → progress state with `event` and `ended`), `connection`, `cursor`,
 *   `ended`, `error`, `state` (all in one), and `close()`.
 */
export function useWatchMany(target, options = {}) {
  const initial = initialWatchManyState();
  const state = ref(initial);
  const fields = Object.fromEntries(Object.keys(initial).map((key) => [key, ref(initial[key])]));
  let handle = null;

  const update = (next) => {
    for (const key of Object.keys(fields)) {
      if (fields[key].value !== next[key]) fields[key].value = next[key];
    }
    state.value = next;
  };

  const close = () => {
    const open = handle;
    handle = null;
    open?.close();
  };

  onMounted(() => {
    if (target === null || target === undefined || handle) return;
    handle = watchMany(target, { ...options, onChange: (next) => { update(next); options.onChange?.(next); } });
  });
  onUnmounted(close);

  const readonlyFields = Object.fromEntries(Object.entries(fields).map(([key, value]) => [key, readonly(value)]));
  return { ...readonlyFields, state: readonly(state), close };
}

/**
 * How a generation's files differ from `against` (another generation's id, or `phase:{k}` of this one), from mount to
 * unmount; `reload()` asks again. Nothing is loaded while the id or `against` is empty or the token undefined (`null`
 * reads by ownership).
 * @param {string|null|undefined} generationId
 * @param {string|null|undefined} against
 * @param {object} [options]  `token`, `againstToken`, `patch`, and the client's (`baseUrl`, `prefix`, `fetch`,
 *   `credentials`) or a `client`.
 * @returns Read-only refs `diff`, `loading`, `error`, and `reload()`.
 */
export function useDiff(generationId, against, options = {}) {
  const initial = initialDiffState();
  const fields = Object.fromEntries(Object.keys(initial).map((key) => [key, ref(initial[key])]));
  const { token, againstToken, patch = false } = options;
  const ready = diffReady(generationId, against, token);
  const loader = ready
    ? createDiffLoader(options.client ?? createGenerationsClient(options), generationId, { against, token, againstToken, patch }, (next) => {
      for (const key of Object.keys(fields)) {
        if (fields[key].value !== next[key]) fields[key].value = next[key];
      }
    })
    : null;

  onMounted(() => { loader?.load(); });
  onUnmounted(() => loader?.dispose());

  const readonlyFields = Object.fromEntries(Object.entries(fields).map(([key, value]) => [key, readonly(value)]));
  return { ...readonlyFields, reload: () => loader?.load() ?? Promise.resolve() };
}
