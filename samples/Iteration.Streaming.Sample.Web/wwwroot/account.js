// The demo sign-in: "Sign in as" a name (no password), kept by the server in an HttpOnly cookie the page cannot read.
// GET /account says who is signed in; POST /account/sign-in and /account/sign-out change it.

const $ = (id) => document.getElementById(id);

/** @param {{onChange: (name: string | null) => void}} handlers  Called with the signed-in name, or null when signed out. */
export function createAccount({ onChange }) {
  let name;

  const set = (next) => {
    const changed = next !== name;
    name = next;
    $('account').hidden = name === null;
    $('account-name').textContent = name ?? '';
    $('sign-in-card').hidden = name !== null;
    if (changed) onChange(name);
  };

  $('sign-in-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    $('sign-in').disabled = true;
    $('sign-in-error').hidden = true;
    try {
      const response = await post('/account/sign-in', { name: $('sign-in-name').value });
      if (!response.ok) {
        const problem = await response.json().catch(() => null);
        throw new Error(problem?.detail ?? `The server answered ${response.status}.`);
      }
      set((await response.json()).name);
    } catch (error) {
      $('sign-in-error').textContent = `Not signed in: ${error.message}`;
      $('sign-in-error').hidden = false;
    } finally {
      $('sign-in').disabled = false;
    }
  });

  $('sign-out').addEventListener('click', async () => {
    $('sign-out').disabled = true;
    try {
      await post('/account/sign-out');
      set(null);
    } catch {
      // Still signed in: the page stays as it is.
    } finally {
      $('sign-out').disabled = false;
    }
  });

  return {
    /** Asks the server who is signed in (at load, and after a 401: the cookie may have ended). */
    load: async () => {
      try {
        const response = await fetch('/account', { cache: 'no-store', credentials: 'same-origin' });
        set(response.ok ? ((await response.json()).name ?? null) : null);
      } catch {
        set(null);
      }
    },
  };
}

function post(path, body) {
  return fetch(path, {
    method: 'POST',
    credentials: 'same-origin',
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}
