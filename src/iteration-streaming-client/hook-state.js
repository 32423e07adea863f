// What the React hook and the Vue composable share: how the end of a watch shows in the state, and how they send input.
import { postInput } from './api.js';
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
    if (!streamUrl) throw new TypeError('sendInput: no generation is watched (the stream URL is empty).');
    const statusUrl = options.statusUrl ?? streamUrl.replace(/\/stream\/?(\?.*)?$/, '');
    const fetchFn = options.fetch ?? globalThis.fetch.bind(globalThis);
    return postInput(fetchFn, resolveUrl(`${statusUrl.replace(/\/$/, '')}/input`, options.baseUrl), input, controlToken, options.credentials);
  };
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
