// Syntax highlighting with Prism (the prismjs npm package, loaded by index.html from lib/prism/ in manual mode). The code
// is tokenized and rebuilt as DOM nodes, one array per line, with `textContent` only: generated code is never parsed as
// HTML. A language Prism was not given, or a page without Prism, gets plain text.

const BY_EXTENSION = {
  cs: 'csharp', csx: 'csharp',
  csproj: 'markup', props: 'markup', targets: 'markup', xml: 'markup', html: 'markup', htm: 'markup', svg: 'markup', razor: 'markup', cshtml: 'markup',
  css: 'css',
  js: 'javascript', mjs: 'javascript', cjs: 'javascript', ts: 'javascript', jsx: 'javascript', tsx: 'javascript',
  json: 'json',
  md: 'markdown',
  yml: 'yaml', yaml: 'yaml',
  sh: 'bash', bash: 'bash',
  sql: 'sql',
};

/** The Prism language of a path (by its extension), or null for plain text. */
export function languageOf(path) {
  const name = String(path).split('/').pop().toLowerCase();
  const dot = name.lastIndexOf('.');
  const language = dot < 0 ? null : BY_EXTENSION[name.slice(dot + 1)] ?? null;
  return language && globalThis.Prism?.languages?.[language] ? language : null;
}

/**
 * `text` as lines of highlighted nodes: an array with one array of nodes (spans and text) per line, so a caller can put
 * each line in its own row (a gutter, a diff) while the tokens of a multi-line comment or string keep their colour.
 */
export function highlightLines(text, language) {
  const lines = [[]];
  const grammar = language ? globalThis.Prism?.languages?.[language] : null;
  if (!grammar) {
    text.split('\n').forEach((line, i) => {
      if (i > 0) lines.push([]);
      if (line) lines[lines.length - 1].push(document.createTextNode(line));
    });
    return lines;
  }

  // Each token is split at its line breaks; a token spanning lines gets the same classes on each piece.
  const emit = (content, classes) => {
    content.split('\n').forEach((piece, i) => {
      if (i > 0) lines.push([]);
      if (!piece) return;
      if (classes.length === 0) {
        lines[lines.length - 1].push(document.createTextNode(piece));
      } else {
        const span = document.createElement('span');
        span.className = classes.join(' ');
        span.textContent = piece;
        lines[lines.length - 1].push(span);
      }
    });
  };
  const walk = (tokens, classes) => {
    for (const token of tokens) {
      if (typeof token === 'string') {
        emit(token, classes);
        continue;
      }
      const own = ['token', token.type, ...[].concat(token.alias ?? [])];
      const nested = classes.length ? [...classes, ...own.slice(1)] : own;
      if (typeof token.content === 'string') emit(token.content, nested);
      else walk([].concat(token.content), nested);
    }
  };
  walk(globalThis.Prism.tokenize(text, grammar), []);
  return lines;
}

/** Fills `element` with `text` highlighted as `language`, line breaks kept (the saved-file preview). */
export function highlightInto(element, text, language) {
  const nodes = [];
  highlightLines(text, language).forEach((line, i) => {
    if (i > 0) nodes.push(document.createTextNode('\n'));
    nodes.push(...line);
  });
  element.replaceChildren(...nodes);
  if (language) element.dataset.language = language;
  else delete element.dataset.language;
}
