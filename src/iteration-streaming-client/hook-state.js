// What the React hooks and the Vue composables share: how the end of a watch shows in the state, how they send input,
// fork and revert the watched generation, and how a diff is loaded.
import { forkBody, postInput, postStart, revertBody } from './api.js';
import { resolveUrl } from './watch.js';

/**
 * The state after watchGeneration ended: a refused stream becomes the status, with its Problem Details' detail as error
 * (and no input request: nobody can answer a gate the page may no longer read).
 */
export function endState(state, reason, detail) {
  if (reason === 'completed' || reason === 'failed' || reason === 'cancelled' || reason === 'closed_by_client') {
    return state;
  }
  return { ...state, status: reason, inputRequest: null, error: detail?.detail ?? state.error };
}

/**
 * The hooks' `sendInput(input, {controlToken}?)` for the watched generation: POST `{status URL}/input` (the status URL
 * is `options.statusUrl`, or the stream URL without `/stream`), the control token (`options.controlToken` unless given)
 * in the Authorization header; a `null` control token acts by ownership (no header, the browser's credentials). Resolves with the 202 body; a refusal rejects with a GenerationApiError.
 */
export function inputSender(streamUrl, options = {}) {
  return (input, { controlToken = options.controlToken } = {}) => {
    const fetchFn = options.fetch ?? globalThis.fetch.bind(globalThis);
    return postInput(fetchFn, actionUrl(streamUrl, options, 'sendInput', 'input'), input, controlToken, options.credentials);
  };
}

/**
 * The hooks' `fork(request, {controlToken}?)` and `revert(request, {controlToken}?)` for the watched generation: POST
 * `{status URL}/fork` (`{fromPhase, modificationPrompt?, review?, budget?}`) or `{status URL}/revert` (`{paths, to}`)
 * with the control token as `sendInput` sends it. Resolves with the new generation's 202 body; a misuse throws at once.
 */
export function startSenders(streamUrl, options = {}) {
  const sender = (name, body) => (request, { controlToken = options.controlToken } = {}) => {
    const address = actionUrl(streamUrl, options, name, name);
    const fetchFn = options.fetch ?? globalThis.fetch.bind(globalThis);
    return postStart(fetchFn, address, body(request ?? {}), controlToken, options.credentials);
  };
  return { fork: sender('fork', forkBody), revert: sender('revert', revertBody) };
}

/** `{status URL}/{action}` of the watched generation: the `statusUrl` option, or the stream URL without `/stream`. */
function actionUrl(streamUrl, options, name, action) {
  if (!streamUrl) throw new TypeError(`${name}: no generation is watched (the stream URL is empty).`);
  const statusUrl = options.statusUrl ?? streamUrl.replace(/\/stream\/?(\?.*)?$/, '');
  return resolveUrl(`${statusUrl.replace(/\/$/, '')}/${action}`, options.baseUrl);
}

/** A diff as the hooks hold it. */
export function initialDiffState() {
  return { diff: null, loading: false, error: null };
}

/**
 * Loads `client.diff(generationId, query)` on load(); `onChange(state)` after each change. The previous diff stays
 * shown while the next loads; an answer after a newer load, or after dispose(), is dropped. A misuse (a malformed
 * `against`) shows as the error, as a refusal does.
 */
export function createDiffLoader(client, generationId, query, onChange = () => {}) {
  let state = initialDiffState();
  let ticket = 0;
  let disposed = false;

  const set = (next) => {
    state = next;
    if (!disposed) onChange(state);
  };

  return {
    get state() { return state; },
    load: async () => {
      const mine = ++ticket;
      set({ ...state, loading: true, error: null });
      try {
        const diff = await client.diff(generationId, query);
        if (mine === ticket && !disposed) set({ diff, loading: false, error: null });
      } catch (error) {
        if (mine === ticket && !disposed) set({ ...state, loading: false, error });
      }
    },
    dispose: () => { disposed = true; },
  };
}

/** Whether a diff can be asked for: an id, an `against`, and a token (`null`: by ownership; undefined or empty: not yet). */
export function diffReady(generationId, against, token) {
  return Boolean(generationId) && Boolean(against) && token !== undefined && token !== '';
}

/**
 * What useWatchMany re-watches on: the target and `from` as one string (a new array with the same ids and tokens does
 * not reconnect); null while there is nothing to watch.
 */
export function watchManyKey(target, from) {
  if (target === null || target === undefined) return null;
  try {
    return JSON.stringify([target, from ?? 'now']);
  } catch {
    return String(target); // not JSON (a cycle): watchMany names the mistake
  }
}
