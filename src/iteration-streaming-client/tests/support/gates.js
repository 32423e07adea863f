// Watching a generation that stops at review gates: each gate (`awaiting_input`) is answered by the test as it arrives.
import { collect } from './streams.js';

/**
 * Watches with `watch(handlers)` until the watch ends, calling `answer(event, id)` at each `awaiting_input` event.
 * Resolves `{ events, reason, detail, connections, answers }` (the answers' results, in order). An answer that throws
 * closes the watch and rejects with its error, so a refused input fails the test at once instead of waiting forever.
 */
export async function collectAnswering(watch, answer) {
  const answers = [];
  let close = null;
  let failed = null;
  const result = await collect((handlers) => {
    close = watch({
      ...handlers,
      onEvent: (event, id) => {
        handlers.onEvent(event, id);
        if (event.stage !== 'awaiting_input') return;
        answers.push(Promise.resolve()
          .then(() => answer(event, id))
          .catch((error) => {
            failed ??= error;
            close?.();
          }));
      },
    });
    return close;
  });
  const results = await Promise.all(answers);
  if (failed) throw failed;
  return { ...result, answers: results };
}

/** The first `awaiting_input` event of a watch, then the watch is closed (the run keeps waiting). */
export function firstGate(watch) {
  return new Promise((resolve, reject) => {
    let close = null;
    let found = null;
    close = watch({
      onEvent: (event, id) => {
        if (found || event.stage !== 'awaiting_input') return;
        found = { event, id: Number(id) };
        queueMicrotask(() => close());
      },
      onEnd: (reason, detail) => (found ? resolve(found) : reject(new Error(`The watch ended (${reason}) before a gate: ${JSON.stringify(detail)}`))),
    });
  });
}
