// The part of React's hooks API that useIterationProgress uses (useState, useEffect), with React's rules: state updates
// re-render, an effect runs after a render when its dependencies changed, its cleanup runs before the next run and on
// unmount. Plus renderHook(), as @testing-library/react has it.
let rendering = null;

export function useState(initial) {
  const component = rendering;
  const index = component.cursor++;
  if (!(index in component.states)) component.states[index] = typeof initial === 'function' ? initial() : initial;
  const set = (value) => {
    if (component.unmounted) return;
    const next = typeof value === 'function' ? value(component.states[index]) : value;
    if (Object.is(next, component.states[index])) return;
    component.states[index] = next;
    component.render();
  };
  return [component.states[index], set];
}

export function useEffect(effect, deps) {
  const component = rendering;
  const index = component.cursor++;
  const previous = component.effects[index];
  if (!previous || !deps || deps.length !== previous.deps.length || deps.some((d, i) => !Object.is(d, previous.deps[i]))) {
    component.pending.push({ index, effect, deps: deps ?? [] });
  }
}

/** Renders `hook(...args)` as a component would; `result.current` is the latest value, `renders` how many renders ran. */
export function renderHook(hook, ...args) {
  const component = {
    states: {}, effects: {}, pending: [], cursor: 0, unmounted: false, args, renders: 0, current: undefined, busy: false, again: false,
    render() {
      if (this.busy) { this.again = true; return; }
      this.busy = true;
      do {
        this.again = false;
        this.cursor = 0;
        rendering = this;
        try { this.current = hook(...this.args); } finally { rendering = null; }
        this.renders++;
        const pending = this.pending.splice(0);
        for (const { index, effect, deps } of pending) {
          this.effects[index]?.cleanup?.();
          this.effects[index] = { deps, cleanup: undefined };
          const cleanup = effect();
          this.effects[index].cleanup = typeof cleanup === 'function' ? cleanup : undefined;
        }
      } while (this.again);
      this.busy = false;
    },
  };
  component.render();
  return {
    get result() { return { current: component.current }; },
    get renders() { return component.renders; },
    rerender(...next) { component.args = next; component.render(); },
    unmount() {
      for (const effect of Object.values(component.effects)) effect.cleanup?.();
      component.unmounted = true;
    },
  };
}
