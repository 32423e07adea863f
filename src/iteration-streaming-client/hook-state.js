// What the React hook and the Vue composable share: how the end of a watch shows in the state.

/** The state after watchGeneration ended: a refused stream becomes the status, with its Problem Details' detail as error. */
export function endState(state, reason, detail) {
  if (reason === 'completed' || reason === 'failed' || reason === 'cancelled' || reason === 'closed_by_client') {
    return state;
  }
  return { ...state, status: reason, error: detail?.detail ?? state.error };
}
