import { useState } from "react";
import type { PlatformInfo, Store } from "../api/types";

/**
 * How to sign in to a store's WordPress admin: the user, and the command that reads the password
 * from the store's Secret. The console never holds the password itself.
 */
export function SignIn({ store, info }: { store: Store; info: PlatformInfo }) {
  const { name, password_key: passwordKey } = info.admin_secret;
  const command = `kubectl -n ${store.namespace} get secret ${name} -o jsonpath='{.data.${passwordKey}}' | base64 -d`;
  return (
    <section aria-labelledby="sign-in-heading" className="sign-in">
      <h2 id="sign-in-heading">Sign in to WP admin</h2>
      <dl className="facts">
        <dt>User</dt>
        <dd>
          <code>{info.admin_user}</code>
        </dd>
        <dt>Password</dt>
        <dd>
          <p className="sign-in-note">
            Kept in the Secret <code>{name}</code> of the store's namespace. Read it with:
          </p>
          <CopyableCommand command={command} />
        </dd>
      </dl>
    </section>
  );
}

function CopyableCommand({ command }: { command: string }) {
  const [copied, setCopied] = useState<"yes" | "no" | null>(null);
  async function copy() {
    try {
      await navigator.clipboard.writeText(command);
      setCopied("yes");
    } catch {
      // No clipboard (insecure origin, denied permission): the text is there to select.
      setCopied("no");
    }
  }
  return (
    <div className="command">
      <code className="command-text">{command}</code>
      <button type="button" className="button" onClick={() => void copy()}>
        Copy command
      </button>
      <span aria-live="polite" className="command-status">
        {copied === "yes" ? "Copied." : copied === "no" ? "Copying is not allowed here; select the command instead." : ""}
      </span>
    </div>
  );
}
