// A signed-in user of the sample host, as Node.js plays one: the demo sign-in's cookie, sent by a fetch and by an
// EventSource (the "eventsource" package takes a fetch) on every request, as a browser sends a same-origin cookie.
import { EventSource } from './streams.js';

/**
 * Signs in to the sample host as `name`. Resolves `{ fetch, EventSource, requests }`: both carry the cookie; `requests`
 * records each EventSource connection's URL and Last-Event-ID header.
 */
export async function signIn(baseUrl, name) {
  const response = await fetch(new URL('/account/sign-in', baseUrl), {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name }),
  });
  if (!response.ok) throw new Error(`Sign-in as ${name} failed: ${response.status} ${await response.text()}`);
  const cookie = response.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const requests = [];

  const withCookie = (url, init = {}) => {
    const headers = new Headers(init.headers);
    headers.set('Cookie', cookie);
    return fetch(url, { ...init, headers });
  };

  class CookieEventSource extends EventSource {
    constructor(url) {
      super(url, {
        fetch: (address, init) => {
          requests.push({ url: String(address), lastEventId: new Headers(init?.headers).get('Last-Event-ID') });
          return withCookie(address, init);
        },
      });
    }
  }

  return { fetch: withCookie, EventSource: CookieEventSource, requests };
}
