// What the page keeps in the browser: only the id of the generation this tab shows (and how it was started, to start it
// again), in sessionStorage, so a reload comes back to it. No token and no history: "Your generations" comes from the
// server, and every read and action goes by ownership with the sign-in cookie. Clearing storage loses nothing.

const CURRENT_KEY = 'iteration-streaming-sample.current';
// Where an earlier version of the page kept its history, control tokens included: removed on sight.
const LEGACY_HISTORY_KEY = 'iteration-streaming-sample.history';

const isEntry = (e) => e && typeof e.id === 'string';

/** Removes what earlier versions of the page kept in localStorage (generations with their tokens). */
export function forgetLegacyHistory() {
  try {
    localStorage.removeItem(LEGACY_HISTORY_KEY);
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

/** Keeps the generation shown: its id, lineage and request (what "Start again" sends); nothing that opens it. */
export function saveCurrent(entry) {
  const { id, kind, prompt, parentId, retryOf, forkedFrom, fromPhase, request, createdAt } = entry;
  try {
    sessionStorage.setItem(CURRENT_KEY, JSON.stringify({ id, kind, prompt, parentId, retryOf, forkedFrom, fromPhase, request, createdAt }));
  } catch {
    // Storage full or disabled: the page still works, a reload just starts bare.
  }
}

export function clearCurrent() {
  try {
    sessionStorage.removeItem(CURRENT_KEY);
  } catch {
    // Storage disabled.
  }
}

/** "just now", "4 min ago", "2 h ago", or the date. */
export function relativeTime(iso, now = Date.now()) {
  const then = typeof iso === 'number' ? iso * 1000 : Date.parse(iso);
  if (!Number.isFinite(then)) return '';
  const seconds = Math.max(0, (now - then) / 1000);
  if (seconds < 45) return 'just now';
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.round(seconds / 3600)} h ago`;
  return new Date(then).toLocaleString();
}
