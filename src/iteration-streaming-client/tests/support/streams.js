// EventSource on Node.js for the tests: the "eventsource" package (WHATWG behaviour: reconnect with Last-Event-ID after a
// network error, stop on 204 and on error statuses), plus a variant whose connection drops after some events.

import { EventSource } from 'eventsource';

export { EventSource };

/**
 * An EventSource class whose first connection is cut (a network error mid-body) after `dropAfter` events. `requests`
 * records each connection's URL and the Last-Event-ID header it carried.
 */
export function droppingEventSource(dropAfter) {
  const requests = [];
  let dropped = false;

  const droppingFetch = async (url, init) => {
    const headers = new Headers(init?.headers);
    requests.push({ url: String(url), lastEventId: headers.get('Last-Event-ID') });
    const response = await fetch(url, init);
    if (dropped || !response.body) return response;
    dropped = true;

    // Hands the body on frame by frame, only when EventSource reads; after the dropAfter-th data frame the next read fails
    // like a reset connection, so every frame before it was parsed.
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    const encoder = new TextEncoder();
    let buffer = '';
    let events = 0;
    const body = new ReadableStream({
      async pull(controller) {
        if (events >= dropAfter) {
          controller.error(new Error('connection reset (test)'));
          await reader.cancel();
          return;
        }
        for (;;) {
          const end = buffer.indexOf('\n\n');
          if (end >= 0) {
            const frame = buffer.slice(0, end + 2);
            buffer = buffer.slice(end + 2);
            if (frame.includes('data:')) events++;
            controller.enqueue(encoder.encode(frame));
            return;
          }
          const { done, value } = await reader.read();
          if (done) {
            controller.close();
            return;
          }
          buffer += decoder.decode(value, { stream: true });
        }
      },
    }, new CountQueuingStrategy({ highWaterMark: 0 }));
    return new Response(body, { status: response.status, headers: response.headers });
  };

  class DroppingEventSource extends EventSource {
    constructor(url) {
      super(url, { fetch: droppingFetch });
    }
  }

  return { EventSource: DroppingEventSource, requests };
}

/**
 * Watches with `watch(handlers)` until the watch ends. Resolves `{ events: [{id, event}], reason, detail, connections }`.
 */
export function collect(watch) {
  return new Promise((resolve) => {
    const events = [];
    const connections = [];
    let close = null;
    let ended = false;
    close = watch({
      onEvent: (event, id) => events.push({ id: Number(id), event }),
      onConnection: (state) => connections.push(state),
      onEnd: (reason, detail) => {
        ended = true;
        open.delete(close);
        resolve({ events, reason, detail, connections });
      },
    });
    if (!ended) open.add(close);
  });
}

const open = new Set();

/** Closes every watch still open (a failed test leaves one behind), so the test process can exit. */
export function closeAllWatches() {
  for (const close of [...open]) close();
}
