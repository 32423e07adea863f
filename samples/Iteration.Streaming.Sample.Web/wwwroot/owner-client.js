// The page reads and acts by ownership: the demo sign-in cookie says who is calling, and the server lets the owner of a
// generation stream it, read its files, steer, cancel, iterate and retry it without any token. So the page keeps no
// token anywhere: not in localStorage, not in sessionStorage, not in a URL. The client package takes `null` for a
// token to mean exactly that: no Authorization header, no `?token=`, the same-origin cookie instead.

import { createGenerationsClient } from './lib/iteration-streaming-client/index.js';

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

    /** GET {prefix}/{id}/diff?against=…: by ownership of both sides (no token, no against_token). */
    diff: (generationId, against) => api.diff(generationId, { against, token: OWNER }),

    /** POST {prefix}/{id}/fork: a new generation that keeps phases 1..fromPhase (`{fromPhase, modificationPrompt?}`). */
    fork: (generationId, { fromPhase, modificationPrompt }) => api.fork(generationId, { fromPhase, modificationPrompt, token: OWNER }),

    /** POST {prefix}/{id}/revert: a new iteration with `paths` as they are in `to` (`{paths, to}`). */
    revert: (generationId, { paths, to }) => api.revert(generationId, { paths, to, token: OWNER }),
  };
}
