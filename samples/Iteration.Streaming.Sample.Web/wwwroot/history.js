// The generations started from this browser, kept in localStorage with the tokens that open them (newest first).
// The tab's current generation is kept in sessionStorage, so a reload resumes it and another tab starts bare.

const HISTORY_KEY = 'iteration-streaming-sample.history';
const CURRENT_KEY = 'iteration-streaming-sample.current';
const MAX_ENTRIES = 25;

const isEntry = (e) => e && typeof e.id === 'string' && typeof e.readToken === 'string' && typeof e.streamUrl === 'string';

export function loadHistory() {
  try {
    const list = JSON.parse(localStorage.getItem(HISTORY_KEY) ?? '[]');
    return Array.isArray(list) ? list.filter(isEntry) : [];
  } catch {
    return [];
  }
}

/** Adds the entry, or updates it in place. */
export function saveEntry(entry) {
  const list = loadHistory();
  const index = list.findIndex((e) => e.id === entry.id);
  if (index >= 0) list[index] = entry;
  else list.unshift(entry);
  write(HISTORY_KEY, list.slice(0, MAX_ENTRIES));
}

export function clearHistory() {
  try {
    localStorage.removeItem(HISTORY_KEY);
  } catch {
    // Storage disabled: nothing was kept.
  }
}

export function loadCurrent() {
  try {
    const entry = JSON.parse(sessionStorage.getItem(CURRENT_KEY) ?? 'null');
    return isEntry(entry) ? entry : null;
  } catch {
    return null;
  }
}

export function saveCurrent(entry) {
  try {
    sessionStorage.setItem(CURRENT_KEY, JSON.stringify(entry));
  } catch {
    // Storage full or disabled: the page still works, a reload just starts bare.
  }
}

function write(key, value) {
  try {
    localStorage.setItem(key, JSON.stringify(value));
  } catch {
    // Storage full or disabled: the history is best effort.
  }
}

/** "just now", "4 min ago", "2 h ago", or the date. */
export function relativeTime(iso, now = Date.now()) {
  const then = Date.parse(iso);
  if (!Number.isFinite(then)) return '';
  const seconds = Math.max(0, (now - then) / 1000);
  if (seconds < 45) return 'just now';
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.round(seconds / 3600)} h ago`;
  return new Date(then).toLocaleString();
}
