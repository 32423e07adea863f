// The HTTP calls of MapIterationStream(): start, iterate, retry, cancel, input, snapshot, files.
//
// Two tokens come back from start, iterate and retry: the read token (`sse_token`: stream, snapshot, files, zip; it
// may travel in a URL because EventSource cannot send headers) and the control token (`control_token`: iterate from
// this generation, cancel, retry, input at a review gate). The control token is only ever sent in the Authorization header.

import { resolveUrl, unreachable, watchGeneration, withToken } from './watch.js';

/**
 * A refused request: `status` is the HTTP status (0 when no answer came: refused by CORS or unreachable), `problem` its
 * Problem Details, `cause` the browser's own error when there was no answer.
 */
export class GenerationApiError extends Error {
  constructor(status, problem, options) {
    super(problem?.detail ?? problem?.title ?? (status === 0 ? 'The server could not be reached, or CORS refused the request.' : `The server answered ${status}.`), options);
    this.name = 'GenerationApiError';
    this.status = status;
    this.problem = problem ?? {};
  }
}

/**
 * A client for one host's generations routes.
 * @param {{baseUrl?: string, prefix?: string, fetch?: typeof fetch, EventSource?: any}} [options]
 *   baseUrl: where the host is (a page leaves it out: same origin); prefix: the route group (default `/generations`).
 */
export function createGenerationsClient(options = {}) {
  const baseUrl = options.baseUrl;
  const prefix = (options.prefix ?? '/generations').replace(/\/$/, '');
  const fetchFn = options.fetch ?? globalThis.fetch.bind(globalThis);
  const url = (path) => resolveUrl(`${prefix}${path}`, baseUrl);
  const id = (generationId) => {
    if (typeof generationId !== 'string' || generationId === '') throw new TypeError('A generation id is required.');
    return encodeURIComponent(generationId);
  };

  const send = (address, init) => request(fetchFn, address, init);

  const post = async (path, body, headers = {}) => {
    const response = await send(url(path), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return response.json();
  };

  return {
    /** POST /generations: starts a generation. Resolves with the 202 body. */
    start: (body) => post('', body),

    /** POST /generations/iterate with the parent's control token; `{review}` chooses its review gates. */
    iterate: (parentGenerationId, modificationPrompt, parentControlToken, { review } = {}) => post(
      '/iterate',
      { parent_generation_id: parentGenerationId, modification_prompt: modificationPrompt, ...(review === undefined ? {} : { review }) },
      bearer(parentControlToken)),

    /**
     * POST /generations/{id}/retry: a new generation that reuses the saved phases of a failed or cancelled one. With
     * `{review}` the body carries its review gates; without it, no body (as before gates).
     */
    retry: (generationId, controlToken, { review } = {}) =>
      post(`/${id(generationId)}/retry`, review === undefined ? undefined : { review }, bearer(controlToken)),

    /**
     * POST /generations/{id}/input: the user's answer at a review gate (`approve`, `revise_plan`, `edit_files`, `lock`,
     * `instruct`, `cancel`), or an instruction while a phase runs. Resolves with the 202 body
     * (`{generation_id, action, event_id, status}`); a refusal rejects with a GenerationApiError (400 naming the field,
     * 409 naming the status when the run is not at a gate, 429 past the instruction cap).
     */
    sendInput: (generationId, input, { controlToken } = {}) =>
      postInput(fetchFn, url(`/${id(generationId)}/input`), input, controlToken),

    /** DELETE /generations/{id}: resolves `true` when the run is being cancelled, `false` when it had already ended (409). */
    cancel: async (generationId, controlToken) => {
      try {
        await send(url(`/${id(generationId)}`), { method: 'DELETE', headers: bearer(controlToken) });
        return true;
      } catch (error) {
        if (error.status === 409) return false;
        throw error;
      }
    },

    /** GET /generations/{id}: the latest snapshot. */
    snapshot: async (generationId, token) =>
      (await send(url(`/${id(generationId)}`), { headers: bearer(token) })).json(),

    /** GET /generations/{id}/files: the files saved so far. */
    files: async (generationId, token) =>
      (await send(url(`/${id(generationId)}/files`), { headers: bearer(token) })).json(),

    /**
     * One file's text, read with the token in the header. Past `maxBytes` (default 256 KiB) only that many bytes are
     * read and `truncated` is true, so a page never pulls a huge file into the DOM.
     */
    readFile: async (generationId, path, token, { maxBytes = 256 * 1024 } = {}) => {
      const response = await send(url(`/${id(generationId)}/files/${encodePath(path)}`), { headers: bearer(token) });
      const { bytes, truncated } = await readAtMost(response, maxBytes);
      return { text: new TextDecoder().decode(bytes), truncated, contentType: response.headers.get('Content-Type') ?? '' };
    },

    /** A link to one file (read token in the query, for an `<a href>` or a download). */
    fileUrl: (generationId, path, token) => withToken(url(`/${id(generationId)}/files/${encodePath(path)}`), token),

    /** A link to the zip of the files saved so far. */
    archiveUrl: (generationId, token) => withToken(url(`/${id(generationId)}/archive`), token),

    /** watchGeneration on a 202 answer (start, iterate or retry). */
    watch: (started, handlers, watchOptions = {}) => watchGeneration(started.stream_url, started.sse_token, handlers, {
      statusUrl: started.status_url,
      baseUrl,
      fetch: fetchFn,
      EventSource: options.EventSource,
      ...watchOptions,
    }),
  };
}

/**
 * POSTs one input to an input URL (`{status_url}/input`) with the control token in the header: what `sendInput` of the
 * client, the React hook and the Vue composable share.
 */
export function postInput(fetchFn, address, input, controlToken) {
  // Misuse throws at once, as a missing token does for the other calls; the server names what is wrong in the rest.
  if (!input || typeof input !== 'object' || Array.isArray(input)) throw new TypeError('The input must be an object such as { action: \'approve\' }.');
  if (typeof input.action !== 'string' || input.action === '') throw new TypeError('The input needs an action (approve, revise_plan, edit_files, lock, instruct or cancel).');
  const init = { method: 'POST', headers: { 'Content-Type': 'application/json', ...bearer(controlToken) }, body: JSON.stringify(input) };
  return request(fetchFn, address, init).then((response) => response.json());
}

/** The header of a token; the token itself is never put in a URL here. */
function bearer(token) {
  if (typeof token !== 'string' || token === '') throw new TypeError('A token is required.');
  return { Authorization: `Bearer ${token}` };
}

/** fetch, with a refusal (an error status, or no answer) as a GenerationApiError. */
async function request(fetchFn, address, init) {
  let response;
  try {
    response = await fetchFn(address, { cache: 'no-store', ...init });
  } catch (error) {
    throw new GenerationApiError(0, { detail: unreachable(address, error) }, { cause: error });
  }
  if (!response.ok) {
    throw new GenerationApiError(response.status, await response.json().catch(() => null));
  }
  return response;
}

/** A file path as URL segments: each segment encoded, the slashes kept. */
export function encodePath(path) {
  return String(path).split('/').map(encodeURIComponent).join('/');
}

async function readAtMost(response, maxBytes) {
  if (!response.body?.getReader) {
    const all = new Uint8Array(await response.arrayBuffer());
    return { bytes: all.subarray(0, maxBytes), truncated: all.length > maxBytes };
  }

  const reader = response.body.getReader();
  const chunks = [];
  let length = 0;
  let truncated = false;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    length += value.length;
    if (length > maxBytes) {
      truncated = true;
      await reader.cancel();
      break;
    }
  }

  const bytes = new Uint8Array(Math.min(length, maxBytes));
  let offset = 0;
  for (const chunk of chunks) {
    const part = chunk.subarray(0, bytes.length - offset);
    bytes.set(part, offset);
    offset += part.length;
    if (offset === bytes.length) break;
  }
  return { bytes, truncated };
}
