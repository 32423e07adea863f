// React: useIterationProgress(streamUrl, sseToken) — the guide's hook, on top of watchGeneration and the progress state.
// Unlike the guide's version, a dropped connection shows `connection: 'reconnecting'` rather than an error (the browser
// resumes it with Last-Event-ID), the stream is closed on completed, failed and cancelled alike, and a refused stream
// ends in a clear status ('unauthorized', 'forbidden', 'not_found', 'error') instead of reconnecting forever. At a review
// gate the status is 'awaiting_input', the stream stays open, `inputRequest` says what is asked and `sendInput` answers.
// useWatchMany(target) follows many generations over one connection (watchMany).
import { useEffect, useState } from 'react';
import { watchGeneration } from './watch.js';
import { applyEvent, initialProgress } from './progress.js';
import { createDiffLoader, diffReady, endState, initialDiffState, inputSender, startSenders, watchManyKey } from './hook-state.js';
import { createGenerationsClient, watchMany } from './api.js';
import { initialWatchManyState } from './progress.js';
import { createGenerationPager, initialListState } from './list.js';

/**
 * @param {string|null|undefined} streamUrl  The `stream_url` of the 202 answer; nothing is watched while it is empty.
 * @param {string|null|undefined} sseToken   The read token; `null` reads by ownership (no token, the browser's
 *   credentials); nothing is watched while it is undefined or empty.
 * @param {object} [options]  watchGeneration's options (lastEventId, statusUrl, baseUrl, EventSource, fetch), read when the
 *   stream URL or token change, and `controlToken`, which `sendInput`, `fork` and `revert` send in the Authorization header.
 * @returns The progress state (progress in percent, status, message, phases, inputRequest, `live`: the exact texts of
 *   the phase in progress, read from /live after a reload with `lastEventId`, ...) plus `connection`,
 *   `sendInput(input, {controlToken}?)`, `fork({fromPhase, modificationPrompt?, review?, budget?}, {controlToken}?)` and
 *   `revert({paths, to}, {controlToken}?)` (each of the last two resolves with the new generation's 202 body).
 */
export function useIterationProgress(streamUrl, sseToken, options) {
  const [state, setState] = useState(() => ({ ...initialProgress(), connection: 'idle' }));

  useEffect(() => {
    if (!streamUrl || sseToken === undefined || sseToken === '') return undefined;
    setState({ ...initialProgress(), connection: 'connecting' });
    return watchGeneration(streamUrl, sseToken, {
      onEvent: (event, id) => setState((s) => ({ ...applyEvent(s, event, { id }), connection: s.connection })),
      onConnection: (connection) => setState((s) => ({ ...s, connection })),
      onEnd: (reason, detail) => setState((s) => endState(s, reason, detail)),
      onLive: (live) => setState((s) => ({ ...s, live })),
    }, options);
    // Options are read when the stream changes, so an inline object does not reconnect on every render.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [streamUrl, sseToken]);

  return { ...state, sendInput: inputSender(streamUrl, options), ...startSenders(streamUrl, options) };
}

/**
 * The signed-in user's generations (GET /generations?owner=me), newest first: the first page on mount and whenever
 * `status` or `limit` change, `loadMore()` for the next, `refresh()` after starting one. No token: the browser's
 * credentials name the user.
 * @param {object} [options]  `status`, `limit`, and the client's (`baseUrl`, `prefix`, `fetch`, `credentials`) or a `client`.
 * @returns `{generations, nextCursor, hasMore, loading, error, refresh(), loadMore()}`.
 */
export function useGenerations(options = {}) {
  const [state, setState] = useState(initialListState);
  // A stable box for the current pager (the hooks this package uses are useState and useEffect only).
  const [holder] = useState(() => ({ pager: null }));
  const { status = null, limit = null } = options;

  useEffect(() => {
    const client = options.client ?? createGenerationsClient(options);
    const pager = createGenerationPager(client, { status, limit }, setState);
    holder.pager = pager;
    pager.refresh();
    return () => {
      pager.dispose();
      if (holder.pager === pager) holder.pager = null;
    };
    // The client options are read when the query changes, so an inline object does not reload on every render.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [status, limit]);

  return {
    ...state,
    refresh: () => holder.pager?.refresh() ?? Promise.resolve(),
    loadMore: () => holder.pager?.loadMore() ?? Promise.resolve(),
  };
}

/**
 * Many generations over one connection (watchMany) while the component is mounted, and again when the target or `from`
 * change (the other options are read then). `target`: `{generations: [{id, token}]}` or `{owner: 'me'}`; nothing is
 * watched while it is null or undefined.
 * @param {object|null|undefined} target
 * @param {object} [options]  watchMany's options (`from`, `onEvent`, `onMemberEnd`, `onError`, ...) and the client's.
 * @returns `{generations, connection, cursor, ended, error, close()}`: `generations` maps each id to its progress state
 *   with `event` (its latest) and `ended`; `connection` is 'idle' while nothing is watched.
 */
export function useWatchMany(target, options = {}) {
  const [state, setState] = useState(initialWatchManyState);
  const [holder] = useState(() => ({ handle: null }));
  const key = watchManyKey(target, options.from);

  useEffect(() => {
    if (key === null) return undefined;
    // watchMany reports its first state (connecting) at once; a closed watch's last report is not shown over the next one.
    let active = true;
    const handle = watchMany(target, {
      ...options,
      onChange: (next) => {
        if (!active) return;
        setState(next);
        options.onChange?.(next);
      },
    });
    holder.handle = handle;
    return () => {
      active = false;
      handle.close();
      if (holder.handle === handle) holder.handle = null;
    };
    // The target is compared by value (its key), and the options are read when it changes.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);

  return { ...state, close: () => holder.handle?.close() };
}

/**
 * How a generation's files differ from `against` (another generation's id, or `phase:{k}` of this one): loaded on mount
 * and again when the id, `against`, a token or `patch` change (the other options are read then); `reload()` asks again.
 * Nothing is loaded while the id or `against` is empty or the token undefined (`null` reads by ownership).
 * @param {string|null|undefined} generationId
 * @param {string|null|undefined} against
 * @param {object} [options]  `token` (this generation's read token), `againstToken` (the other's), `patch` (the text
 *   patch instead of the JSON diff), and the client's (`baseUrl`, `prefix`, `fetch`, `credentials`) or a `client`.
 * @returns `{diff, loading, error, reload()}`: on reload() the previous diff stays while it loads; `error` is the refusal
 *   (a GenerationApiError: 403 naming the generation refused, 400 an unsaved phase) or the misuse.
 */
export function useDiff(generationId, against, options = {}) {
  const [state, setState] = useState(initialDiffState);
  const [holder] = useState(() => ({ loader: null }));
  const { token, againstToken, patch = false } = options;

  useEffect(() => {
    if (!diffReady(generationId, against, token)) {
      // A diff shown for the previous id is not this one's; an idle state is kept as it is (no extra render).
      setState((s) => (s.diff === null && !s.loading && s.error === null ? s : initialDiffState()));
      return undefined;
    }
    const client = options.client ?? createGenerationsClient(options);
    const loader = createDiffLoader(client, generationId, { against, token, againstToken, patch }, setState);
    holder.loader = loader;
    loader.load();
    return () => {
      loader.dispose();
      if (holder.loader === loader) holder.loader = null;
    };
    // The client options are read when the diff asked for changes, so an inline object does not reload on every render.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [generationId, against, token, againstToken, patch]);

  return { ...state, reload: () => holder.loader?.load() ?? Promise.resolve() };
}
