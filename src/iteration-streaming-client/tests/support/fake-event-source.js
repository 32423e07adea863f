// An EventSource the test drives by hand (for the hook and composable tests, which check state transitions only; the
// real stream is tested against the sample host in http.test.js).
export class FakeEventSource {
  static CONNECTING = 0;
  static OPEN = 1;
  static CLOSED = 2;
  static instances = [];

  constructor(url, init) {
    this.url = url;
    this.init = init;
    this.readyState = FakeEventSource.CONNECTING;
    this.closed = false;
    this.onopen = null;
    this.onmessage = null;
    this.onerror = null;
    FakeEventSource.instances.push(this);
  }

  static get last() {
    return FakeEventSource.instances.at(-1);
  }

  open() {
    this.readyState = FakeEventSource.OPEN;
    this.onopen?.({});
  }

  emit(event, id) {
    this.onmessage?.({ data: JSON.stringify(event), lastEventId: String(id) });
  }

  drop() {
    this.readyState = FakeEventSource.CONNECTING;
    this.onerror?.({});
  }

  refuse() {
    this.readyState = FakeEventSource.CLOSED;
    this.onerror?.({});
  }

  close() {
    this.readyState = FakeEventSource.CLOSED;
    this.closed = true;
  }
}

/** A fetch that answers every request with `status` and `body` as JSON, and records the requests. */
export function fakeFetch(status, body) {
  const requests = [];
  const fetch = async (url, init) => {
    requests.push({ url, init });
    return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
  };
  return { fetch, requests };
}
