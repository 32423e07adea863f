// A module-resolution hook (node:module register) that answers 'react' and 'vue' with the tiny fakes beside it, so the
// hook and the composable are tested as shipped, without downloading either framework.
const fakes = {
  react: new URL('./fake-react.js', import.meta.url).href,
  vue: new URL('./fake-vue.js', import.meta.url).href,
};

export async function resolve(specifier, context, nextResolve) {
  return fakes[specifier] ? { url: fakes[specifier], shortCircuit: true } : nextResolve(specifier, context);
}
