// A model of the server's live phase, as the engine keeps it (Runs/PhaseRunner, Runs/Live/LiveView): the events a
// generator's reports become (deltas split at most 4,096 characters, never inside a surrogate pair), and what
// `GET /live` answers after each of them. Checkpoints, a crash and a continuation (or a restart from the phase's
// start) are part of a script, so a test can check a watcher against what the server holds at every event.

const MAX_DELTA = 4096;

/** A tiny seeded random generator (mulberry32), so a failing case can be replayed from its seed. */
export function random(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (min, max) => min + Math.floor(next() * (max - min + 1)), pick: (items) => items[Math.floor(next() * items.length)] };
}

/** Text with surrogate pairs, line breaks and characters that look like markup, `length` code units or one more. */
export function sampleText(rng, length) {
  const pieces = ['const a = 1;\n', '<b>&amp;</b>', '😀', 'é', '\t', 'x', '\n', '"\'`', 'ℤ𝔸'];
  let text = '';
  while (text.length < length) text += rng.pick(pieces);
  return text;
}

/** The server: events with ids from 1, and the live state after each (`liveAt(id)`: the /live answer as of that id). */
export function createLiveServer(generationId = 'g-1') {
  const events = [];
  const views = [];
  let live = null;         // { phase, batch: [{path, text}], current, text }
  let checkpoint = null;   // { phase, files, current, text }

  const view = () => {
    const sequence = events.length;
    if (!live) return { generation_id: generationId, status: 'processing', sequence, files: [] };
    const files = [];
    for (const file of live.batch) {
      const at = files.findIndex((f) => f.path === file.path);
      const entry = { path: file.path, text: file.text, offset: file.text.length, complete: true };
      if (at >= 0) files[at] = entry;
      else files.push(entry);
    }
    if (live.current !== null) {
      const at = files.findIndex((f) => f.path === live.current);
      if (at >= 0) files.splice(at, 1);
      files.push({ path: live.current, text: live.text, offset: live.text.length, complete: false });
    }
    return {
      generation_id: generationId,
      status: 'processing',
      phase: live.phase,
      sequence,
      ...(live.current === null ? {} : { current_file: live.current }),
      files,
    };
  };

  const append = (event) => {
    events.push({ generation_id: generationId, status: 'processing', progress: 0.5, message: event.stage, timestamp: 1_800_000_000 + events.length, ...event });
    views.push(structuredClone(view()));
    return events.length;
  };

  return {
    events,
    /** The /live answer as of event `id` (0: before any). */
    liveAt: (id) => (id === 0 ? { generation_id: generationId, status: 'processing', sequence: 0, files: [] } : structuredClone(views[id - 1])),
    /** The texts as a watcher should hold them after event `id`: `{phase, currentFile, files: {path: {text, complete}}}`. */
    textsAt(id) {
      const answer = this.liveAt(id);
      const files = {};
      for (const f of answer.files) files[f.path] = { text: f.text, complete: f.complete };
      return { phase: answer.phase ?? null, currentFile: answer.current_file ?? null, files };
    },
    startPhase(phase, { continued = false } = {}) {
      if (continued) {
        live = { phase, batch: checkpoint.files.map((f) => ({ ...f })), current: checkpoint.current, text: checkpoint.text };
      } else {
        live = { phase, batch: [], current: null, text: '' };
      }
      checkpoint = null;
      return append({ stage: `phase_${phase}_started`, phase_info: { phase } });
    },
    /** ReportLiveAsync: the delta from what was reported for the file so far (split as the engine splits it). */
    report(file, text) {
      const offset = live.current === file ? live.text.length : 0;
      let position = 0;
      do {
        let length = Math.min(MAX_DELTA, text.length - position);
        if (length < text.length - position && length > 0 && /[\uD800-\uDBFF]/.test(text[position + length - 1])) length--;
        const chunk = text.slice(position, position + length);
        position += length;
        const at = live.current === file ? live.text.length : 0;
        if (live.current !== file) {
          live.current = file;
          live.text = '';
        }
        // The event is built before the text grows (its offset), and the view after it.
        live.text += chunk;
        append({
          stage: `phase_${live.phase}_progress`,
          current_file: file,
          partial_output: { file, offset: at, text: chunk, chars: at + chunk.length, tail: live.text.slice(-400) },
        });
      } while (position < text.length);
      return offset;
    },
    /** The file is yielded: it joins the batch (the live current file stays, as the engine leaves it). */
    yieldFile(file, text) {
      live.batch.push({ path: file, text });
      return append({ stage: `phase_${live.phase}_progress`, current_file: file, partial_output: { lines: text.split('\n').length } });
    },
    /** The checkpoint the engine writes after a report: the batch, the current file and its text. */
    writeCheckpoint() {
      checkpoint = { phase: live.phase, files: live.batch.map((f) => ({ ...f })), current: live.current, text: live.current === null ? '' : live.text };
    },
    get checkpoint() { return checkpoint; },
    get current() { return live ? { file: live.current, text: live.text } : null; },
    /** The host dies: no event; the next run starts with `resumed`. */
    crash() {
      live = null;
    },
    resumed(phase, { continues }) {
      const mid = continues && checkpoint
        ? { resumed_mid_phase: { phase, ...(checkpoint.current === null ? {} : { file: checkpoint.current }), chars: checkpoint.current === null ? 0 : checkpoint.text.length, files_kept: checkpoint.files.length } }
        : {};
      if (!continues) checkpoint = null;
      return append({ stage: 'resumed', ...mid });
    },
    completePhase() {
      const phase = live.phase;
      live = null;
      checkpoint = null;
      return append({ stage: `phase_${phase}_complete`, phase_info: { phase } });
    },
    oldFormat(file, chars) {
      return append({ stage: `phase_${live.phase}_progress`, current_file: file, partial_output: { file, chars, tail: 'x' } });
    },
    completed() {
      live = null;
      return append({ stage: 'completed', status: 'completed', progress: 1 });
    },
  };
}

/**
 * A random run through the server: phases of files written in random pieces (each piece a report, some followed by a
 * checkpoint), and now and then a crash followed by a continuation from the checkpoint (the text after it written
 * again) or a restart of the phase from its start.
 */
export function randomRun(seed) {
  const rng = random(seed);
  const server = createLiveServer();
  const phases = rng.int(1, 3);
  for (let phase = 1; phase <= phases; phase++) {
    const files = Array.from({ length: rng.int(1, 4) }, (_, i) => ({ path: `src/p${phase}/f${i}.ts`, text: sampleText(rng, rng.int(0, rng.next() < 0.1 ? 9000 : 300)) }));
    let crashes = rng.int(0, 2);
    server.startPhase(phase);
    let fileIndex = 0;
    let written = 0;
    while (fileIndex < files.length) {
      const file = files[fileIndex];
      if (written < file.text.length || (written === 0 && file.text.length === 0)) {
        const end = Math.min(file.text.length, written + rng.int(1, 1 + Math.ceil(file.text.length / 3)));
        server.report(file.path, file.text.slice(written, end));
        written = end;
        if (rng.next() < 0.5) server.writeCheckpoint();
      }
      if (written >= file.text.length) {
        server.yieldFile(file.path, file.text);
        fileIndex++;
        written = 0;
      }
      if (crashes > 0 && rng.next() < 0.15) {
        crashes--;
        server.crash();
        const checkpoint = server.checkpoint;
        const continues = checkpoint !== null && rng.next() < 0.7;
        server.resumed(phase, { continues });
        server.startPhase(phase, { continued: continues });
        if (continues) {
          // The generator continues where the checkpoint is: its files are kept, the current file goes on from its text.
          fileIndex = checkpoint.files.length;
          written = checkpoint.current === null ? 0 : checkpoint.text.length;
          if (checkpoint.current !== null && checkpoint.current !== files[fileIndex]?.path) {
            // The checkpoint fell after a yield, before the next report: that file is written again from its start.
            written = 0;
          }
        } else {
          fileIndex = 0;
          written = 0;
        }
      }
    }
    server.completePhase();
  }
  server.completed();
  return server;
}
