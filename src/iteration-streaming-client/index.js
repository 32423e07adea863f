// iteration-streaming-client: the browser side of Iteration.Streaming, as plain ES modules with no dependencies.
//
//   import { createGenerationsClient, initialProgress, applyEvent } from 'iteration-streaming-client';
//   const api = createGenerationsClient();
//   const started = await api.start({ prompt: 'A task tracker', entities: ['User', 'Task'] });
//   let state = initialProgress();
//   const stop = api.watch(started, { onEvent: (event, id) => { state = applyEvent(state, event, { id }); render(state); } });
//
//   watchMany({ owner: 'me' }, { onChange: (many) => render(many.generations) });  // every live one, one connection
//
// Types: index.d.ts. React: 'iteration-streaming-client/react'. Vue: 'iteration-streaming-client/vue'.

export { watchGeneration, withToken, withQuery, resolveUrl, isTerminalStatus, unreachable } from './watch.js';
export { createGenerationsClient, watchMany, GenerationApiError, BudgetExceededError, BUDGET_EXCEEDED_TYPE, encodePath } from './api.js';
export { createGenerationPager, initialListState } from './list.js';
export {
  initialProgress, applyEvent, applySnapshot, initialWatchManyState, applyWatchManyEvent, elapsedSeconds, fileCounts, formatDuration, formatEta,
  initialLiveState, applyLiveEvent, applyLiveAnswer, liveNeedsSync,
} from './progress.js';
