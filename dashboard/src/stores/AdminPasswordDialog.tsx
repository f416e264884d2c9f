import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import type { Store } from "../api/types";
import { usePlatform } from "../app/platform";
import { Dialog } from "../components/Dialog";
import { ErrorNotice } from "../components/ErrorNotice";

interface AdminPasswordDialogProps {
  store: Store;
  onClose: () => void;
}

/**
 * Reveals the store's WordPress admin login after a confirmation. The password is fetched
 * only when asked for, kept in this dialog alone (never in the query cache) and forgotten
 * when it closes; the platform records every reveal in its audit trail.
 */
export function AdminPasswordDialog({ store, onClose }: AdminPasswordDialogProps) {
  const { api } = usePlatform();
  const reveal = useMutation({ mutationFn: () => api.getStoreCredentials(store.id) });
  const [copied, setCopied] = useState<"copied" | "failed" | null>(null);
  const credentials = reveal.data;

  async function copy(password: string) {
    try {
      await navigator.clipboard.writeText(password);
      setCopied("copied");
    } catch {
      setCopied("failed");
    }
  }

  return (
    <Dialog title={`Admin password of ${store.store_name}`} onClose={onClose}>
      {!credentials && (
        <>
          <p>
            Show the WordPress admin password of <strong>{store.store_name}</strong>? Anyone who
            sees your screen sees it too, and the platform records that you looked.
          </p>
          {reveal.isError && <ErrorNotice title="The password could not be read" error={reveal.error} />}
          <div className="form-actions">
            <button
              type="button"
              className="button button-primary"
              disabled={reveal.isPending}
              onClick={() => reveal.mutate()}
            >
              {reveal.isPending ? "Reading…" : "Show password"}
            </button>
            <button type="button" className="button" data-autofocus onClick={onClose}>
              Cancel
            </button>
          </div>
        </>
      )}
      {credentials && (
        <>
          <dl className="facts">
            <dt>User</dt>
            <dd>
              <code>{credentials.username}</code>
            </dd>
            <dt>Password</dt>
            <dd>
              <code className="secret-value" aria-label="Admin password">
                {credentials.password}
              </code>
            </dd>
          </dl>
          <div className="form-actions">
            <button type="button" className="button" onClick={() => void copy(credentials.password)}>
              Copy password
            </button>
            <button type="button" className="button" data-autofocus onClick={onClose}>
              Done
            </button>
          </div>
          {copied && (
            <p role="status" className="muted">
              {copied === "copied" ? "Copied to the clipboard." : "The browser did not allow copying; select the password instead."}
            </p>
          )}
        </>
      )}
    </Dialog>
  );
}
