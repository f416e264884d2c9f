import { useQueryClient } from "@tanstack/react-query";
import { useState, useSyncExternalStore, type FormEvent } from "react";
import { usePlatform } from "../app/platform";
import { Dialog } from "../components/Dialog";

const EXPLANATION = {
  required: "The platform API needs a token. Ask the platform team for one (they issue it with `python -m orchestrator tokens create`).",
  refused: "The platform refused the token. Enter the current one.",
  manual: "The token is kept for this browser tab only and sent with every request.",
} as const;

/** Asks for the API token when the platform answers 401, and keeps it for the session. */
export function TokenDialog() {
  const { auth } = usePlatform();
  const { prompt } = useSyncExternalStore(auth.subscribe, auth.snapshot);
  if (!prompt.open) return null;
  return <TokenForm explanation={EXPLANATION[prompt.reason]} />;
}

function TokenForm({ explanation }: { explanation: string }) {
  const { auth } = usePlatform();
  const queryClient = useQueryClient();
  const [token, setToken] = useState("");
  const [problem, setProblem] = useState<string | null>(null);

  function submit(event: FormEvent) {
    event.preventDefault();
    const trimmed = token.trim();
    if (!trimmed) {
      setProblem("Enter the token.");
      return;
    }
    auth.saveToken(trimmed);
    void queryClient.invalidateQueries();
  }

  return (
    <Dialog title="API token" onClose={auth.dismissPrompt}>
      <form onSubmit={submit} noValidate>
        <p id="token-explanation">{explanation}</p>
        <div className={problem ? "field field-invalid" : "field"}>
          <label htmlFor="api-token">Token</label>
          <input
            id="api-token"
            type="password"
            autoComplete="off"
            value={token}
            aria-invalid={Boolean(problem)}
            aria-describedby={problem ? "api-token-problem token-explanation" : "token-explanation"}
            onChange={(event) => {
              setToken(event.target.value);
              setProblem(null);
            }}
          />
          {problem && (
            <p id="api-token-problem" className="field-problem">
              {problem}
            </p>
          )}
        </div>
        <div className="form-actions">
          <button type="submit" className="button button-primary">
            Use token
          </button>
          <button type="button" className="button" onClick={auth.dismissPrompt}>
            Not now
          </button>
        </div>
      </form>
    </Dialog>
  );
}
