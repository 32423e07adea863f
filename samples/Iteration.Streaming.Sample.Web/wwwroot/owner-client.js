// The page reads and acts by ownership: the demo sign-in cookie says who is calling, and the server lets the owner of a
// generation stream it, read its files, steer, cancel, iterate and retry it without any token. So the page keeps no
// token anywhere: not in localStorage, not in sessionStorage, not in a URL. The client package takes `null` for a
// token to mean exactly that: no Authorization header, no `?token=`, the same-origin cookie instead.

import { createGenerationsClient, GenerationApiError } from './lib/iteration-streaming-client/index.js';

/** What the page passes where the client package takes a token: none, by ownership. */
export const OWNER = null;

/** A generations client that authorises every call with the sign-in cookie. */
export function createOwnerClient() {
  const api = createGenerationsClient({ credentials: 'same-origin' });
  return {
    ...api,
    fileUrl: (generationId, path) => api.fileUrl(generationId, path, OWNER),
    archiveUrl: (generationId) => api.archiveUrl(generationId, OWNER),

    /** POST {prefix}/{id}/retry with the review gates and a budget (`{review?, budget?}`). */
    retryWith: (generationId, body) => api.retry(generationId, OWNER, body),

    /** GET {prefix}?owner=me: the signed-in user's generations, newest first (`{generations, next_cursor}`). */
    list: ({ limit = 10, cursor, status } = {}) => api.listGenerations({ limit, cursor, status }),

    /**
     * GET {prefix}/stream?owner=me: every live generation of the signed-in user, and each one started later, over one
     * connection (watchMany). Returns its handle (`state`, `close()`).
     */
    watchMine: (handlers) => api.watchMany({ owner: 'me' }, handlers),

    /**
     * GET {prefix}/{id}/diff?against=…: how the generation's files differ from `against` (a generation id, or
     * `phase:{k}`), as JSON (`files`, `summary`, `truncated`, `limits`). By ownership of both sides: no against_token.
     */
    diff: async (generationId, against) =>
      (await send(`${PREFIX}/${encodeURIComponent(generationId)}/diff?against=${encodeURIComponent(against)}`)).json(),

    /** POST {prefix}/{id}/fork `{from_phase, modification_prompt?}`: a new generation that keeps phases 1..k (202 body). */
    fork: async (generationId, body) => (await post(`${PREFIX}/${encodeURIComponent(generationId)}/fork`, body)).json(),

    /** POST {prefix}/{id}/revert `{paths, to}`: a new iteration with those paths as they are in `to` (202 body). */
    revert: async (generationId, body) => (await post(`${PREFIX}/${encodeURIComponent(generationId)}/revert`, body)).json(),
  };
}

const PREFIX = '/generations';

// The diff, fork and revert routes of issue 26, called directly until the client package's own methods are used here.
function post(address, body) {
  return send(address, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
}

/** fetch with the sign-in cookie; a refusal (an error status, or no answer) as the client package's GenerationApiError. */
async function send(address, init = {}) {
  let response;
  try {
    response = await fetch(address, { credentials: 'same-origin', cache: 'no-store', ...init });
  } catch (error) {
    throw new GenerationApiError(0, { detail: `The server could not be reached: ${error.message}` }, { cause: error });
  }
  if (!response.ok) throw new GenerationApiError(response.status, await response.json().catch(() => null));
  return response;
}
