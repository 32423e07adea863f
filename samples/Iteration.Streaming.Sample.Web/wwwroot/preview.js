// The in-page file preview: the file's text in monospace with line numbers and syntax highlighting (syntax.js, Prism;
// the code is never parsed as HTML), read with the token in the header. Files
// over the limit (data-preview-limit on #preview, in bytes) are not pulled into the page: a download link instead.

import { highlightInto, languageOf } from './syntax.js';

const $ = (id) => document.getElementById(id);

export function createPreview(api) {
  const section = $('preview');
  let request = 0;
  let opener = null;

  const close = () => {
    request++;
    section.hidden = true;
    opener?.focus();
    opener = null;
  };
  $('preview-close').addEventListener('click', close);
  section.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') close();
  });

  /** Shows `file` ({path, size}) of `entry` (the generation: id and read token). `from`: the link that opened it. */
  const open = async (entry, file, from) => {
    const mine = ++request;
    const limit = Number(section.dataset.previewLimit) || 100 * 1024;
    opener = from ?? null;
    section.hidden = false;
    $('preview-title').textContent = file.path;
    $('preview-title').tabIndex = -1;
    $('preview-download').href = api.fileUrl(entry.id, file.path, entry.readToken);
    $('preview-download').setAttribute('download', file.path.split('/').pop());
    $('preview-body').hidden = true;
    $('preview-note').textContent = `${formatSize(file.size)} · loading…`;
    $('preview-title').focus();

    if (file.size > limit) {
      $('preview-note').textContent = `${formatSize(file.size)}: too large to preview here (the limit is ${formatSize(limit)}). Download it to read it.`;
      return;
    }

    let result;
    try {
      result = await api.readFile(entry.id, file.path, entry.readToken, { maxBytes: limit });
    } catch (error) {
      if (mine !== request) return;
      $('preview-note').textContent = error.status === 401
        ? 'This file can no longer be read from this browser: the generation\'s access token has ended.'
        : `The file could not be loaded: ${error.message}`;
      return;
    }
    if (mine !== request) return;

    if (result.text.includes('\u0000')) {
      $('preview-note').textContent = `${formatSize(file.size)}: a binary file, no preview. Download it instead.`;
      return;
    }

    const text = result.text.endsWith('\n') ? result.text.slice(0, -1) : result.text;
    const lines = text.split('\n');
    $('preview-lines').textContent = lines.map((_, i) => i + 1).join('\n');
    highlightInto($('preview-text'), text, languageOf(file.path));
    $('preview-body').hidden = false;
    $('preview-note').textContent = `${formatSize(file.size)} · ${lines.length} ${lines.length === 1 ? 'line' : 'lines'}`
      + (result.truncated ? ' · only the start is shown: download it to read it all' : '');
  };

  return { open, close, get path() { return section.hidden ? null : $('preview-title').textContent; } };
}

export function formatSize(bytes) {
  if (!Number.isFinite(bytes)) return '';
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
