// The page reads and acts by ownership: the demo sign-in cookie says who is calling, and the server lets the owner of a
// generation stream it, read its files, steer, cancel, iterate and retry it without any token. So the page keeps no
// token anywhere: not in localStorage, not in sessionStorage, not in a URL.
//
// The client package's calls take a token (its `sse_token`/`control_token` flow predates reads by ownership). Until it
// takes none, this adapter hands them OWNER, a placeholder that never leaves the page: the fetch below drops the
// Authorization header it becomes, and the EventSource below drops the `token` query parameter.

import { createGenerationsClient, GenerationApiError } from './lib/iteration-streaming-client/index.js';

/** What the page passes where the client package asks for a token. Not a secret: it is never sent. */
export const OWNER = 'by-ownership';

const PREFIX = '/generations';

/** A generations client that authorises every call with the sign-in cookie. */
export function createOwnerClient() {
  const api = createGenerationsClient({ prefix: PREFIX, fetch: ownerFetch, EventSource: OwnerEventSource });
  return {
    ...api,
    fileUrl: (generationId, path) => withoutToken(api.fileUrl(generationId, path, OWNER)),
    archiveUrl: (generationId) => withoutToken(api.archiveUrl(generationId, OWNER)),

    /** POST {prefix}/{id}/retry with a body: the review gates and a budget (the package's retry sends only the gates). */
    retryWith: (generationId, body) => send(`${PREFIX}/${encodeURIComponent(generationId)}/retry`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    }).then((response) => response.json()),

    /**
     * GET {prefix}?owner=me: the signed-in user's generations, newest first. Resolves with `{generations, next_cursor}`;
     * pass `next_cursor` back as `cursor` for the next page.
     */
    list: ({ limit = 10, cursor, status } = {}) => {
      const query = new URLSearchParams({ owner: 'me', limit: String(limit) });
      if (cursor) query.set('cursor', cursor);
      if (status) query.set('status', status);
      return send(`${PREFIX}?${query}`, {}).then((response) => response.json());
    },
  };
}

function ownerFetch(address, init = {}) {
  const headers = new Headers(init.headers ?? {});
  if (headers.get('Authorization') === `Bearer ${OWNER}`) headers.delete('Authorization');
  return fetch(withoutToken(String(address)), { ...init, headers, credentials: 'same-origin' });
}

/** EventSource on the stream URL without the placeholder token: same-origin, so the cookie goes with it. */
class OwnerEventSource extends EventSource {
  constructor(url, init) {
    super(withoutToken(String(url)), init);
  }
}

function withoutToken(address) {
  const url = new URL(address, location.href);
  if (url.searchParams.get('token') === OWNER) url.searchParams.delete('token');
  return url.origin === location.origin ? `${url.pathname}${url.search}` : url.toString();
}

async function send(address, init) {
  let response;
  try {
    response = await fetch(address, { cache: 'no-store', credentials: 'same-origin', ...init });
  } catch (error) {
    throw new GenerationApiError(0, { detail: `The server could not be reached (${error.message}).` }, { cause: error });
  }
  if (!response.ok) throw new GenerationApiError(response.status, await response.json().catch(() => null));
  return response;
}
