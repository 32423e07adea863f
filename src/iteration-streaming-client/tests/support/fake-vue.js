// The part of Vue's API that the composable uses (ref, readonly, onMounted, onUnmounted), plus mount(): runs a setup
// function as a component would, then its mounted hooks; unmount() runs its unmounted hooks.
let instance = null;

export function ref(value) {
  return { __isRef: true, value };
}

export function readonly(target) {
  return {
    __isReadonly: true,
    get value() { return target.value; },
    set value(_) { throw new TypeError('Set operation on a readonly ref.'); },
  };
}

export function onMounted(hook) {
  if (!instance) throw new Error('onMounted is called outside setup().');
  instance.mounted.push(hook);
}

export function onUnmounted(hook) {
  if (!instance) throw new Error('onUnmounted is called outside setup().');
  instance.unmounted.push(hook);
}

export function mount(setup) {
  const component = { mounted: [], unmounted: [] };
  instance = component;
  let result;
  try { result = setup(); } finally { instance = null; }
  for (const hook of component.mounted) hook();
  return { result, unmount: () => { for (const hook of component.unmounted) hook(); } };
}
