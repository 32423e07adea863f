// A fetch that answers GET /generations?owner=me from a list of items, paged by `limit` with the cursor as the index to
// go on from (opaque to the client), and records the requests. Other requests get `{}`.
export function listItem(n, extra = {}) {
  return { generation_id: `g-${n}`, prompt: `App ${n}`, status: 'completed', stage: 'completed', progress: 100, created_at: '2026-12-06T10:00:00Z', file_count: n, ...extra };
}

export function pagedFetch(items) {
  const requests = [];
  const fetch = async (url, init) => {
    requests.push({ url, init });
    const query = new URL(url).searchParams;
    const start = Number(query.get('cursor') ?? 0);
    const limit = Number(query.get('limit') ?? 20);
    const page = items.slice(start, start + limit);
    const next = start + limit < items.length ? String(start + limit) : undefined;
    const body = { generations: page, ...(next === undefined ? {} : { next_cursor: next }) };
    return new Response(JSON.stringify(body), { status: 200, headers: { 'Content-Type': 'application/json' } });
  };
  return { fetch, requests };
}
