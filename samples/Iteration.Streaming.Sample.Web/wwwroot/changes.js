// The "Changes" view: how the generation's files differ from its parent (an iteration, a revert), the generation it was
// forked from or retried, or an earlier saved phase of its own (GET /generations/{id}/diff?against=…). The file list
// marks each change in words and a sign (never by colour alone), with line counts and why a file has no line diff; the
// selected file's unified diff (parsed with the diff package's parsePatch, highlighted with Prism through syntax.js) is
// shown unified, or side by side on a wide screen. "Revert this file" posts /revert with that path and the compared state.

import { formatSize } from './preview.js';
import { highlightLines, languageOf } from './syntax.js';

const $ = (id) => document.getElementById(id);
const WIDE = window.matchMedia('(min-width: 760px)');
const ENDED = new Set(['completed', 'failed', 'cancelled']);
const CHANGE = {
  added: { sign: '+', label: 'added' },
  modified: { sign: '±', label: 'modified' },
  deleted: { sign: '−', label: 'deleted' },
};

/**
 * @param {{api: object, follow: (started: object, how: object) => void}} deps
 *   api: the owner client (diff, revert); follow(started, how): shows the new generation a revert started.
 */
export function createChanges({ api, follow }) {
  let entry = null;        // the generation shown ({id, parentId, forkedFrom, retryOf, ...})
  let status = 'pending';
  let choicesKey = '';
  let answer = null;       // the last diff answer shown
  let selected = null;     // the path whose diff is open
  let request = 0;
  let splitChosen = null;  // the user's layout choice on a wide screen (null: side by side)
  let chosen = null;       // the state the user picked; until then the preferred one follows the run

  $('changes-against').addEventListener('change', () => {
    chosen = $('changes-against').value;
  });
  $('changes-form').addEventListener('submit', (e) => {
    e.preventDefault();
    load();
  });
  $('changes-files').addEventListener('click', (e) => {
    const button = e.target.closest('button[data-path]');
    if (button) select(button.dataset.path);
  });
  $('diff-close').addEventListener('click', closeDiff);
  $('diff').addEventListener('keydown', (e) => {
    if (e.key === 'Escape') closeDiff();
  });
  $('diff-layout').addEventListener('click', () => {
    splitChosen = !split();
    renderDiff();
  });
  $('diff-revert').addEventListener('click', revert);
  WIDE.addEventListener('change', () => renderDiff());

  /** The view after each event or file list: which states it can compare with, and whether Revert is allowed. */
  function render(progress, shown) {
    entry = shown;
    status = progress.status;
    const choices = choicesOf(progress, shown);
    $('changes').hidden = choices.length === 0;
    const key = choices.map((c) => `${c.value}=${c.label}`).join('|');
    if (key !== choicesKey) {
      choicesKey = key;
      $('changes-against').replaceChildren(...choices.map((c) => new Option(c.label, c.value)));
      const keep = choices.find((c) => c.value === chosen) ?? choices.find((c) => c.preferred) ?? choices[0];
      if (keep) $('changes-against').value = keep.value;
    }
    updateRevert();
  }

  /** Reads the diff against the chosen state and lists its files; an open file stays open when it is still listed. */
  async function load() {
    if (!entry) return;
    const { id } = entry;
    const against = $('changes-against').value;
    if (!against) return;
    const mine = ++request;
    $('changes-show').disabled = true;
    $('changes-summary').textContent = 'Loading the changes…';
    $('changes-note').textContent = '';
    let diff;
    try {
      diff = await api.diff(id, against);
    } catch (error) {
      if (mine !== request || entry?.id !== id) return;
      $('changes-summary').textContent = `The changes could not be loaded: ${error.message}`;
      $('changes-files').replaceChildren();
      answer = null;
      closeDiff();
      return;
    } finally {
      if (mine === request) $('changes-show').disabled = false;
    }
    if (mine !== request || entry?.id !== id) return;
    answer = { ...diff, label: $('changes-against').selectedOptions[0]?.textContent ?? against };
    renderList();
    if (selected && changed().some((f) => f.path === selected)) renderDiff();
    else closeDiff({ quiet: true });
  }

  /** Reads the diff again when the view is open (a phase was saved, the run ended). */
  function refresh() {
    if (answer && entry && answer.generation_id === entry.id) load();
  }

  function changed() {
    return (answer?.files ?? []).filter((f) => f.change !== 'unchanged');
  }

  function renderList() {
    const s = answer.summary ?? {};
    const files = changed();
    const counts = [['added', s.added], ['modified', s.modified], ['deleted', s.deleted]]
      .filter(([, n]) => n > 0).map(([word, n]) => `${n} ${word}`);
    $('changes-summary').textContent = files.length === 0
      ? `No changes against ${answer.label}${s.unchanged ? ` (${plural(s.unchanged, 'file')}, all unchanged)` : ''}.`
      : `Against ${answer.label}: ${counts.join(', ')} · ${lineCounts(s.added_lines, s.deleted_lines)}`
        + `${s.unchanged ? ` · ${s.unchanged} unchanged, not listed` : ''}.`;
    const limits = answer.limits ?? {};
    const skipped = files.filter((f) => f.skipped).length;
    $('changes-note').textContent = answer.truncated || skipped > 0
      ? `${plural(skipped, 'changed file')} without a line diff. The host diffs at most ${limits.max_files ?? '?'} changed files, `
        + `files up to ${formatSize(limits.max_file_bytes)} and ${formatSize(limits.max_total_bytes)} in all; binary files are named, not diffed.`
      : files.length > 0 ? 'Select a file to see its diff.' : '';

    $('changes-files').replaceChildren(...files.map((file) => {
      const li = document.createElement('li');
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'change-file';
      button.dataset.path = file.path;
      button.dataset.change = file.change;
      if (file.path === selected) button.setAttribute('aria-current', 'true');
      const path = document.createElement('span');
      path.className = 'path';
      path.textContent = file.path;
      const detail = document.createElement('span');
      detail.className = 'change-detail';
      detail.append(...(file.skipped ? [skipText(file)] : lineNodes(file.added_lines, file.deleted_lines)));
      button.append(markOf(file.change), path, detail);
      li.append(button);
      return li;
    }));
  }

  function select(path) {
    selected = path;
    $('revert-error').hidden = true;
    markSelected();
    renderDiff();
    $('diff-title').focus();
  }

  function markSelected() {
    for (const button of document.querySelectorAll('#changes-files button[data-path]')) {
      if (button.dataset.path === selected) button.setAttribute('aria-current', 'true');
      else button.removeAttribute('aria-current');
    }
  }

  /** Closes the diff; unless `quiet`, the focus goes back to its file in the list (re-rendered or not). */
  function closeDiff({ quiet = false } = {}) {
    const wasOpen = !$('diff').hidden;
    const path = selected;
    $('diff').hidden = true;
    $('diff-body').replaceChildren();
    selected = null;
    markSelected();
    if (wasOpen && !quiet) {
      const back = [...document.querySelectorAll('#changes-files button[data-path]')].find((b) => b.dataset.path === path);
      (back ?? $('changes-against')).focus();
    }
  }

  function split() {
    return WIDE.matches && (splitChosen ?? true);
  }

  /** The open file's diff, unified or side by side, with its note and Revert. */
  function renderDiff() {
    const file = answer && selected ? changed().find((f) => f.path === selected) : null;
    if (!file) return;
    $('diff').hidden = false;
    $('diff-title').textContent = file.path;
    $('diff-layout').hidden = !WIDE.matches || !file.diff;
    $('diff-layout').setAttribute('aria-pressed', String(split()));
    $('diff-body').setAttribute('aria-label', `Diff of ${file.path}`);
    $('diff-body').dataset.layout = split() ? 'split' : 'unified';
    const restores = file.change === 'added'
      ? `Revert deletes it (it is not in ${answer.label}).`
      : `Revert makes a new generation with it as in ${answer.label}.`;
    const what = file.skipped ? skipText(file) : lineCounts(file.added_lines, file.deleted_lines);
    $('diff-note').textContent = `${CHANGE[file.change]?.label ?? file.change} · ${what}. ${restores}`;

    let patch = null;
    try {
      patch = file.diff ? globalThis.Diff?.parsePatch(file.diff)?.[0] ?? null : null;
    } catch (error) {
      $('diff-note').textContent += ` The diff could not be shown: ${error.message}.`;
    }
    if (!patch) {
      $('diff-body').hidden = true;
      $('diff-body').replaceChildren();
    } else {
      $('diff-body').hidden = false;
      const language = languageOf(file.path);
      $('diff-body').replaceChildren(split() ? splitGrid(patch, language) : unifiedGrid(patch, language));
    }
    updateRevert();
  }

  function updateRevert() {
    const ended = ENDED.has(status);
    $('diff-revert').disabled = !ended;
    $('diff-revert').title = ended ? '' : 'A file can be reverted once the run has ended.';
  }

  async function revert() {
    const file = selected;
    if (!file || !answer || !entry) return;
    const from = entry;
    $('diff-revert').disabled = true;
    $('revert-error').hidden = true;
    try {
      const started = await api.revert(from.id, { paths: [file], to: answer.against });
      follow(started, { kind: 'revert', from, path: file, to: answer.against, label: answer.label });
    } catch (error) {
      $('revert-error').textContent = error.status === 401 || error.status === 403
        ? 'You can no longer revert files of this generation: sign in as its owner.'
        : `Revert refused: ${error.message}`;
      $('revert-error').hidden = false;
      updateRevert();
    }
  }

  /** Another generation is shown: the view starts closed. */
  function reset() {
    request++;
    answer = null;
    choicesKey = '';
    chosen = null;
    closeDiff({ quiet: true });
    $('changes-files').replaceChildren();
    $('changes-summary').textContent = '';
    $('changes-note').textContent = '';
    $('revert-error').hidden = true;
    $('changes-against').replaceChildren();
    $('changes').hidden = true;
  }

  return { render, load, refresh, reset, get open() { return answer !== null; } };
}

/** The states a generation can be compared with: its parent or source, and each saved phase of its own. */
function choicesOf(progress, entry) {
  if (!entry) return [];
  const choices = [];
  const short = (id) => id.slice(0, 8);
  if (entry.parentId) choices.push({ value: entry.parentId, label: `its parent (${short(entry.parentId)})`, preferred: true });
  if (entry.forkedFrom) choices.push({ value: entry.forkedFrom, label: `the generation it was forked from (${short(entry.forkedFrom)})` });
  if (entry.retryOf) choices.push({ value: entry.retryOf, label: `the generation it retried (${short(entry.retryOf)})` });
  const saved = progress.phases.filter((p) => p.state === 'done' || p.state === 'kept').map((p) => p.phase);
  if (saved.length === 0 && choices.length === 0) return [];
  // What this run kept (a fork or retry), else the phase before the last one saved, is the first phase offered.
  const kept = entry.fromPhase ?? progress.resumed?.phasesKept ?? null;
  const preferredPhase = entry.parentId ? null : kept ?? Math.max(0, (saved.at(-1) ?? 1) - 1);
  choices.push({
    value: 'phase:0',
    label: entry.parentId ? 'the files before phase 1 (what it started from)' : 'the files before phase 1 (none)',
    preferred: preferredPhase === 0,
  });
  for (const phase of saved) {
    const name = progress.phases.find((p) => p.phase === phase)?.name;
    choices.push({ value: `phase:${phase}`, label: `phase ${phase}${name ? ` (${name})` : ''} as saved`, preferred: phase === preferredPhase });
  }
  return choices;
}

function markOf(change) {
  const { sign, label } = CHANGE[change] ?? { sign: '?', label: change };
  const mark = document.createElement('span');
  mark.className = 'change-mark';
  mark.dataset.change = change;
  const symbol = document.createElement('span');
  symbol.setAttribute('aria-hidden', 'true');
  symbol.textContent = sign;
  mark.append(symbol, ` ${label}`);
  return mark;
}

function lineNodes(added, deleted) {
  const shown = document.createElement('span');
  shown.setAttribute('aria-hidden', 'true');
  shown.textContent = `+${added ?? 0} −${deleted ?? 0}`;
  const spoken = document.createElement('span');
  spoken.className = 'visually-hidden';
  spoken.textContent = lineCounts(added, deleted);
  return [shown, spoken];
}

function lineCounts(added, deleted) {
  return `${plural(added ?? 0, 'line')} added, ${deleted ?? 0} deleted`;
}

const SKIPPED = {
  binary: () => 'binary, not diffed',
  too_large: () => 'too large to diff',
  over_limit: () => 'past the diff limits, not diffed',
  unavailable: () => 'content unavailable, not diffed',
};

function skipText(file) {
  const size = file.new_size ?? file.old_size;
  const text = SKIPPED[file.skipped]?.() ?? `not diffed (${file.skipped})`;
  return Number.isFinite(size) ? `${text} · ${formatSize(size)}` : text;
}

function plural(n, word) {
  return `${n} ${n === 1 ? word : `${word}s`}`;
}

/** Each side of a hunk highlighted as a whole, so a comment or string spanning lines keeps its colour. */
function sidesOf(hunk, language) {
  const old = [];
  const now = [];
  for (const line of hunk.lines) {
    if (line[0] === ' ' || line[0] === '-') old.push(line.slice(1));
    if (line[0] === ' ' || line[0] === '+') now.push(line.slice(1));
  }
  return { old: highlightLines(old.join('\n'), language), now: highlightLines(now.join('\n'), language) };
}

function cell(className, content) {
  const div = document.createElement('div');
  div.className = className;
  if (Array.isArray(content)) div.append(...content);
  else if (content !== undefined && content !== null && content !== '') div.textContent = String(content);
  return div;
}

function hunkHeader(hunk) {
  return cell('hunk', `@@ −${hunk.oldStart},${hunk.oldLines} +${hunk.newStart},${hunk.newLines} @@`);
}

const SIGN = { '-': '−', '+': '+', ' ': '' };
const KIND = { '-': 'del', '+': 'add', ' ': 'ctx' };

/** Old number, new number, sign, code: one row per line, the code unwrapped (the box scrolls). */
function unifiedGrid(patch, language) {
  const grid = document.createElement('div');
  grid.className = 'diff-grid unified';
  for (const hunk of patch.hunks) {
    grid.append(hunkHeader(hunk));
    const sides = sidesOf(hunk, language);
    let o = hunk.oldStart;
    let n = hunk.newStart;
    let oi = 0;
    let ni = 0;
    for (const line of hunk.lines) {
      const sign = line[0];
      if (sign === '\\') {
        grid.append(cell('hunk note', line.slice(2)));
        continue;
      }
      const kind = KIND[sign] ?? 'ctx';
      const code = sign === '-' ? sides.old[oi] : sides.now[ni];
      grid.append(
        cell(`num ${kind}`, sign === '+' ? '' : o),
        cell(`num ${kind}`, sign === '-' ? '' : n),
        cell(`sign ${kind}`, SIGN[sign] ?? ''),
        cell(`code ${kind}`, code ?? []));
      if (sign !== '+') { o++; oi++; }
      if (sign !== '-') { n++; ni++; }
    }
  }
  return grid;
}

/** The older state on the left, the newer on the right, deleted and added lines paired within a block; code wraps. */
function splitGrid(patch, language) {
  const grid = document.createElement('div');
  grid.className = 'diff-grid split';
  const side = (kind, number, sign, code) => [
    cell(`num ${kind}`, number),
    cell(`code ${kind}`, code ? [...(sign ? [signSpan(sign)] : []), ...code] : []),
  ];
  for (const hunk of patch.hunks) {
    grid.append(hunkHeader(hunk));
    const sides = sidesOf(hunk, language);
    let o = hunk.oldStart;
    let n = hunk.newStart;
    let oi = 0;
    let ni = 0;
    let dels = [];
    let adds = [];
    const flush = () => {
      for (let i = 0; i < Math.max(dels.length, adds.length); i++) {
        const d = dels[i];
        const a = adds[i];
        grid.append(...(d ? side('del', d.number, '−', d.code) : side('empty', '', '', null)),
          ...(a ? side('add', a.number, '+', a.code) : side('empty', '', '', null)));
      }
      dels = [];
      adds = [];
    };
    for (const line of hunk.lines) {
      const sign = line[0];
      if (sign === '-') {
        dels.push({ number: o++, code: sides.old[oi++] });
      } else if (sign === '+') {
        adds.push({ number: n++, code: sides.now[ni++] });
      } else if (sign === '\\') {
        flush();
        grid.append(cell('hunk note', line.slice(2)));
      } else {
        flush();
        grid.append(...side('ctx', o++, '', sides.old[oi++]), ...side('ctx', n++, '', sides.now[ni++]));
      }
    }
    flush();
  }
  return grid;
}

/** The sign of a changed line in the side-by-side layout: read as "deleted" or "added", shown as − or +. */
function signSpan(sign) {
  const span = document.createElement('span');
  span.className = 'inline-sign';
  span.textContent = sign;
  return span;
}
