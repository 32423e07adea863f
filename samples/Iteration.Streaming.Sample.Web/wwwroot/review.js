// The review gates on the page: the plan card (rename, reorder, remove, add phases; approve → revise_plan when changed,
// else approve), the phase card (the saved phase's files with preview, edit in place → edit_files, lock → lock,
// approve or cancel), and the instruction box, shown at a gate and while a phase runs (instruct). Every answer goes
// through the client's sendInput with the control token in the Authorization header; the run's own input_received
// event says what was taken, and a refusal shows the server's Problem Details detail.

const $ = (id) => document.getElementById(id);

/**
 * @param {object} deps
 *   api: the generations client; preview: the page's file preview; current(): the generation shown (id, tokens);
 *   files(): the saved-file list (null while unknown); reloadFiles(): asks for the list again.
 */
export function createReview({ api, preview, current, files, reloadFiles }) {
  let request = null;      // the input_request shown, or null
  let requestKey = '';     // which gate the drafts below belong to
  let plan = [];           // the plan draft: [{ key, name, phase }] (phase: its number in the request; null when added)
  let nextKey = 0;
  let editing = null;      // the path open in the editor
  let sending = false;
  const locking = new Set(); // paths whose lock is on its way

  $('plan-phases').addEventListener('input', (e) => {
    const row = e.target.closest('li[data-key]');
    const item = row && plan.find((p) => p.key === row.dataset.key);
    if (item && e.target.matches('input.phase-name')) {
      item.name = e.target.value;
      renderPlanState();
    }
  });
  $('plan-phases').addEventListener('click', (e) => {
    const button = e.target.closest('button[data-do]');
    const row = button?.closest('li[data-key]');
    const index = row ? plan.findIndex((p) => p.key === row.dataset.key) : -1;
    if (index < 0) return;
    const { key } = plan[index];
    const action = button.dataset.do;
    if (action === 'up' && index > 0) [plan[index - 1], plan[index]] = [plan[index], plan[index - 1]];
    else if (action === 'down' && index < plan.length - 1) [plan[index + 1], plan[index]] = [plan[index], plan[index + 1]];
    else if (action === 'remove' && plan.length > 1) plan.splice(index, 1);
    else return;
    renderPlan();
    // Keep the keyboard where it was: on the same button of the moved phase, or on the row that took the removed one's place.
    const moved = $('plan-phases').querySelector(`li[data-key="${key}"] button[data-do="${action}"]:not(:disabled)`)
      ?? $('plan-phases').querySelector(`li[data-key="${key}"] input`)
      ?? $('plan-phases').querySelectorAll('li')[Math.min(index, plan.length - 1)]?.querySelector('input');
    moved?.focus();
  });
  $('plan-add').addEventListener('click', () => {
    plan.push({ key: `k${nextKey++}`, name: '', phase: null });
    renderPlan();
    $('plan-phases').querySelector('li:last-child input')?.focus();
  });
  $('plan-reset').addEventListener('click', () => {
    plan = fromRequest(request);
    renderPlan();
  });
  $('gate-approve').addEventListener('click', approve);
  $('gate-cancel').addEventListener('click', () => send({ action: 'cancel' }, 'Cancel'));
  $('instruct-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const instruction = $('instruction').value.trim();
    if (!instruction) {
      showError('Write an instruction first.');
      $('instruction').focus();
      return;
    }
    if (await send({ action: 'instruct', instruction }, 'Instruction')) $('instruction').value = '';
  });
  $('gate-files').addEventListener('click', (e) => {
    const button = e.target.closest('button[data-do]');
    const path = button?.closest('li[data-path]')?.dataset.path;
    const file = path && (files() ?? []).find((f) => f.path === path);
    if (!file) return;
    if (button.dataset.do === 'preview') preview.open(current(), file, button);
    else if (button.dataset.do === 'edit') openEditor(file);
  });
  $('gate-files').addEventListener('change', async (e) => {
    const box = e.target.closest('input.lock');
    const path = box?.closest('li[data-path]')?.dataset.path;
    if (!path || !box.checked) return;
    locking.add(path);
    const ok = await send({ action: 'lock', paths: [path] }, 'Lock');
    locking.delete(path);
    if (ok) reloadFiles();
    else renderFiles();
  });
  $('editor-save').addEventListener('click', async () => {
    if (!editing) return;
    const path = editing;
    if (await send({ action: 'edit_files', files: [{ path, content: $('editor-text').value }] }, 'Save')) {
      closeEditor();
      reloadFiles();
      if (preview.path === path) preview.close();
    }
  });
  $('editor-close').addEventListener('click', closeEditor);

  /**
   * Shows what the state asks for: a gate's card; the instruction box while a phase of a reviewed run runs (a run
   * started without review keeps the page as it was); nothing once it ended.
   */
  function render(progress) {
    const waiting = progress.status === 'awaiting_input' ? progress.inputRequest : null;
    const running = progress.status === 'processing' && progress.phases.length > 0 && Boolean(current()?.request?.body?.review);
    $('gate').hidden = !waiting && !running;
    const key = waiting ? `${waiting.kind}:${waiting.phase ?? 0}:${waiting.expires_at}` : '';
    const fresh = key !== requestKey;
    if (fresh) {
      requestKey = key;
      request = waiting;
      plan = fromRequest(waiting);
      closeEditor();
      if (waiting) {
        // A new gate: what was said about the last one no longer applies.
        $('input-error').hidden = true;
        $('input-result').textContent = '';
      }
    }
    $('gate').dataset.kind = waiting?.kind ?? 'running';
    $('plan-card').hidden = waiting?.kind !== 'plan';
    $('phase-card').hidden = waiting?.kind !== 'phase';
    $('gate-actions').hidden = !waiting;
    if (!waiting) {
      $('gate-title').textContent = 'Steer the run';
      $('gate-note').textContent = 'An instruction applies from the next phase on.';
      $('instruction-label').textContent = 'Instruction for the next phases';
      return;
    }

    const next = waiting.kind === 'plan' ? 1 : (waiting.phase ?? 0) + 1;
    const name = waiting.phases.find((p) => p.phase === waiting.phase)?.name;
    $('gate-title').textContent = waiting.kind === 'plan' ? 'Review the plan' : `Review phase ${waiting.phase}${name ? `: ${name}` : ''}`;
    $('gate-note').textContent = `${waiting.kind === 'plan'
      ? 'Nothing is generated until you approve. Rename, reorder, remove or add phases.'
      : 'Its files are saved. Preview or edit them, lock the ones later phases must not change, then approve.'} ${expiry(waiting.expires_at)}`;
    $('instruction-label').textContent = waiting.kind === 'plan' ? 'Instruction for the model (optional)' : `Instruction for phase ${next} on (optional)`;
    if (waiting.kind === 'plan') {
      // The draft is the user's until the gate changes: later events at the same gate leave it as it is.
      if (fresh) renderPlan();
      else renderPlanState();
    } else {
      renderFiles();
      $('gate-approve').textContent = next > waiting.phases.length ? 'Approve and finish' : `Approve: continue with phase ${next}`;
    }
  }

  /** The result of an input, as the run's input_received event words it. */
  function received(event) {
    $('input-error').hidden = true;
    $('input-result').textContent = event.message ?? '';
  }

  function reset() {
    request = null;
    requestKey = '';
    plan = [];
    closeEditor();
    $('gate').hidden = true;
    $('input-result').textContent = '';
    $('input-error').hidden = true;
    $('instruction').value = '';
  }

  async function approve() {
    if (!request) return;
    const instruction = $('instruction').value.trim();
    if (request.kind === 'plan' && changed()) {
      const empty = plan.findIndex((p) => p.name.trim() === '');
      if (empty >= 0) {
        showError(`Phase ${empty + 1} needs a name.`);
        $('plan-phases').querySelectorAll('input')[empty]?.focus();
        return;
      }
      // revise_plan carries no instruction: an instruction written here is queued first, while the run still waits.
      if (instruction && !(await send({ action: 'instruct', instruction }, 'Instruction'))) return;
      $('instruction').value = '';
      await send({ action: 'revise_plan', phases: plan.map((p) => ({ name: p.name.trim() })) }, 'Approve');
      return;
    }
    if (await send({ action: 'approve', ...(instruction ? { instruction } : {}) }, 'Approve')) $('instruction').value = '';
  }

  /** Sends one input; true when the server took it (202). A refusal shows its Problem Details detail. */
  async function send(input, what) {
    const entry = current();
    if (!entry || sending) return false;
    sending = true;
    setBusy(true);
    $('input-error').hidden = true;
    try {
      await api.sendInput(entry.id, input, { controlToken: entry.controlToken });
      return true;
    } catch (error) {
      if (current()?.id !== entry.id) return false;
      const expired = error.status === 401 || error.status === 403;
      showError(expired
        ? `${what} refused: this browser can no longer steer this generation (its control token has ended).`
        : `${what} refused: ${problemText(error)}`);
      return false;
    } finally {
      sending = false;
      setBusy(false);
    }
  }

  function showError(text) {
    $('input-error').textContent = text;
    $('input-error').hidden = false;
  }

  function setBusy(busy) {
    for (const id of ['gate-approve', 'gate-cancel', 'instruct-send', 'plan-add']) $(id).disabled = busy;
    $('editor-save').disabled = busy || $('editor-text').disabled;
  }

  function changed() {
    const asked = request?.phases ?? [];
    return plan.length !== asked.length || plan.some((p, i) => p.phase !== asked[i].phase || p.name.trim() !== asked[i].name);
  }

  function renderPlan() {
    $('plan-phases').replaceChildren(...plan.map((p, i) => {
      const li = document.createElement('li');
      li.dataset.key = p.key;
      const number = document.createElement('span');
      number.className = 'plan-number';
      number.setAttribute('aria-hidden', 'true');
      number.textContent = String(i + 1);
      const input = document.createElement('input');
      input.className = 'phase-name';
      input.value = p.name;
      input.required = true;
      input.autocomplete = 'off';
      input.setAttribute('aria-label', `Name of phase ${i + 1}`);
      const tools = document.createElement('span');
      tools.className = 'plan-tools';
      const label = p.name.trim() || `phase ${i + 1}`;
      tools.append(
        toolButton('up', 'Move up', label, i === 0),
        toolButton('down', 'Move down', label, i === plan.length - 1),
        toolButton('remove', 'Remove', label, plan.length === 1),
      );
      li.append(number, input, tools);
      return li;
    }));
    renderPlanState();
  }

  function renderPlanState() {
    const revised = changed();
    $('plan-reset').hidden = !revised;
    $('plan-summary').textContent = revised
      ? `Revised: ${plan.length} ${plan.length === 1 ? 'phase' : 'phases'} (approving sends the revised plan).`
      : `${plan.length} ${plan.length === 1 ? 'phase' : 'phases'}, as planned.`;
    if (request?.kind === 'plan') $('gate-approve').textContent = revised ? 'Approve the revised plan' : 'Approve the plan';
  }

  function renderFiles() {
    // The list is drawn again as files change: the keyboard stays on the same control of the same file.
    const focused = document.activeElement?.closest?.('#gate-files li[data-path]') ? document.activeElement : null;
    const focusPath = focused?.closest('li[data-path]').dataset.path;
    const focusControl = focused?.dataset.do ?? (focused?.matches('input.lock') ? 'lock' : null);
    const list = files();
    const phase = request?.phase;
    const shown = (list ?? []).filter((f) => f.phase === phase || f.written_by === 'user');
    $('gate-files-note').textContent = list === null ? 'Loading the saved files…'
      : shown.length === 0 ? 'This phase saved no files.' : `${shown.length} ${shown.length === 1 ? 'file' : 'files'}.`;
    $('gate-files').replaceChildren(...shown.map((file) => {
      const li = document.createElement('li');
      li.dataset.path = file.path;
      const name = document.createElement('span');
      name.className = 'mono path';
      name.textContent = file.path;
      const tags = fileTags(file);
      const tools = document.createElement('span');
      tools.className = 'file-tools';
      const lock = document.createElement('label');
      lock.className = 'check';
      const box = document.createElement('input');
      box.type = 'checkbox';
      box.className = 'lock';
      box.checked = file.locked === true || locking.has(file.path);
      // There is no unlock: a locked path stays locked for the rest of the run.
      box.disabled = file.locked === true;
      const hidden = document.createElement('span');
      hidden.className = 'visually-hidden';
      hidden.textContent = ` ${file.path}`;
      lock.append(box, file.locked ? ' Locked' : ' Lock', hidden);
      tools.append(
        toolButton('preview', 'Preview', file.path, false),
        toolButton('edit', 'Edit', file.path, file.locked === true),
        lock,
      );
      li.append(name, ...tags, tools);
      return li;
    }));
    if (focusPath && focusControl) {
      const row = [...$('gate-files').children].find((li) => li.dataset.path === focusPath);
      const control = focusControl === 'lock' ? row?.querySelector('input.lock') : row?.querySelector(`button[data-do="${focusControl}"]`);
      (control && !control.disabled ? control : row?.querySelector('button[data-do="preview"]'))?.focus();
    }
  }

  function openEditor(file) {
    editing = file.path;
    $('editor').hidden = false;
    $('editor-title').textContent = `Edit ${file.path}`;
    $('editor-text').value = '';
    $('editor-text').disabled = true;
    $('editor-save').disabled = true;
    $('editor-note').textContent = 'Loading…';
    const entry = current();
    api.readFile(entry.id, file.path, entry.readToken).then((result) => {
      if (editing !== file.path) return;
      if (result.truncated || result.text.includes('\u0000')) {
        $('editor-note').textContent = 'This file is too large or not text: it cannot be edited here.';
        return;
      }
      $('editor-text').value = result.text;
      $('editor-text').disabled = false;
      $('editor-save').disabled = false;
      $('editor-note').textContent = 'Saving writes your version as the user\'s change; the run keeps waiting for your approval.';
      $('editor-text').focus();
    }, (error) => {
      if (editing === file.path) $('editor-note').textContent = `The file could not be loaded: ${error.message}`;
    });
  }

  function closeEditor() {
    const was = editing;
    editing = null;
    $('editor').hidden = true;
    $('editor-text').value = '';
    if (was) [...$('gate-files').children].find((li) => li.dataset.path === was)?.querySelector('button[data-do="edit"]')?.focus();
  }

  function fromRequest(asked) {
    return (asked?.phases ?? []).map((p) => ({ key: `k${nextKey++}`, name: p.name ?? '', phase: p.phase }));
  }

  return { render, received, reset };
}

/** The markers of a file the user wrote or locked, as text (not colour alone). */
export function fileTags(file) {
  const tags = [];
  if (file.written_by === 'user') tags.push(tag('user', 'edited by you'));
  if (file.locked === true) tags.push(tag('locked', 'locked'));
  return tags;
}

function tag(kind, text) {
  const span = document.createElement('span');
  span.className = `tag ${kind}`;
  span.textContent = text;
  return span;
}

function toolButton(action, text, subject, disabled) {
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'secondary small-button';
  button.dataset.do = action;
  button.disabled = disabled;
  const hidden = document.createElement('span');
  hidden.className = 'visually-hidden';
  hidden.textContent = ` ${subject}`;
  button.append(text, hidden);
  return button;
}

/** What a refusal says: the Problem Details' detail, or the errors it names per field when it has no detail. */
function problemText(error) {
  const { problem } = error;
  if (problem?.detail) return problem.detail;
  const named = problem?.errors && typeof problem.errors === 'object'
    ? Object.values(problem.errors).flat().filter((m) => typeof m === 'string')
    : [];
  return named.length > 0 ? named.join(' ') : error.message;
}

function expiry(expiresAt) {
  if (!Number.isFinite(expiresAt)) return '';
  const at = new Date(expiresAt * 1000);
  const sameDay = at.toDateString() === new Date().toDateString();
  return `It waits until ${sameDay ? at.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) : at.toLocaleString()}, then ends cancelled.`;
}
