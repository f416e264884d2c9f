// The API token for this browser tab. Kept in sessionStorage: it survives reloads and is
// forgotten when the tab closes, and it is never written anywhere else.
const STORAGE_KEY = "woo-platform.api-token";

export type TokenPrompt =
  | { open: false }
  | { open: true; reason: "required" | "refused" | "manual" };

export interface AuthSnapshot {
  token: string | null;
  prompt: TokenPrompt;
}

export interface AuthSession {
  token: () => string | null;
  snapshot: () => AuthSnapshot;
  subscribe: (listener: () => void) => () => void;
  /** Remember a token for the session and close the prompt. */
  saveToken: (token: string) => void;
  /** Ask the person for a token: because the platform requires one, refused ours, or they asked. */
  requestToken: (reason: "required" | "refused" | "manual") => void;
  dismissPrompt: () => void;
  /** Forget the token for this tab. */
  signOut: () => void;
}

export function createAuthSession(storage: Storage | null = safeSessionStorage()): AuthSession {
  let state: AuthSnapshot = { token: storage?.getItem(STORAGE_KEY) ?? null, prompt: { open: false } };
  const listeners = new Set<() => void>();

  function update(next: AuthSnapshot) {
    state = next;
    listeners.forEach((listener) => listener());
  }

  return {
    token: () => state.token,
    snapshot: () => state,
    subscribe: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    saveToken: (token) => {
      storage?.setItem(STORAGE_KEY, token);
      update({ token, prompt: { open: false } });
    },
    requestToken: (reason) => {
      // Several requests may be refused at once; the first one says why.
      if (state.prompt.open) return;
      // A refused token is useless; forget it so it is not sent again.
      if (reason === "refused") storage?.removeItem(STORAGE_KEY);
      update({ token: reason === "refused" ? null : state.token, prompt: { open: true, reason } });
    },
    dismissPrompt: () => {
      if (state.prompt.open) update({ ...state, prompt: { open: false } });
    },
    signOut: () => {
      storage?.removeItem(STORAGE_KEY);
      update({ token: null, prompt: { open: false } });
    },
  };
}

function safeSessionStorage(): Storage | null {
  try {
    return window.sessionStorage;
  } catch {
    return null;
  }
}
