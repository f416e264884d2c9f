import { useState, type FormEvent } from "react";
import type { LogQuery, Pod, Store } from "../api/types";
import { useAllows } from "../auth/access";
import { ErrorNotice } from "../components/ErrorNotice";
import { useStoreLog } from "./operationQueries";

/** How many lines to ask for; the API answers at most 1000. */
const TAIL_CHOICES = [50, 200, 1000] as const;

/** The last lines of one container's log (secret values already redacted by the API). */
export function LogViewer({ store, pods }: { store: Store; pods: readonly Pod[] }) {
  const canRead = useAllows("write");
  const choices = pods.flatMap((pod) => pod.containers.map((container) => ({ pod: pod.name, container: container.name })));
  const [selected, setSelected] = useState(0);
  const [tail, setTail] = useState<number>(200);
  const [previous, setPrevious] = useState(false);
  const [query, setQuery] = useState<LogQuery | null>(null);
  const log = useStoreLog(store.id, query);
  if (!canRead || choices.length === 0) return null;

  function show(event: FormEvent) {
    event.preventDefault();
    const choice = choices[Math.min(selected, choices.length - 1)];
    if (choice) setQuery({ pod: choice.pod, container: choice.container, tail, previous });
  }

  return (
    <section aria-labelledby="logs-heading">
      <h3 id="logs-heading">Logs</h3>
      <form className="log-controls" onSubmit={show}>
        <label className="field">
          <span>Container</span>
          <select value={selected} onChange={(event) => setSelected(Number(event.target.value))}>
            {choices.map((choice, index) => (
              <option key={`${choice.pod}/${choice.container}`} value={index}>
                {choice.pod} / {choice.container}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>Last lines</span>
          <select value={tail} onChange={(event) => setTail(Number(event.target.value))}>
            {TAIL_CHOICES.map((lines) => (
              <option key={lines} value={lines}>
                {lines}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>
            <input type="checkbox" checked={previous} onChange={(event) => setPrevious(event.target.checked)} /> Before
            the last restart
          </span>
        </label>
        <button type="submit" className="button" disabled={log.isFetching}>
          {log.isFetching ? "Reading…" : "Show log"}
        </button>
      </form>
      {log.isError && <ErrorNotice title="Could not read the log" error={log.error} />}
      {log.data && (
        <>
          <p className="muted">
            {log.data.pod} / {log.data.container}
            {log.data.previous && " (the instance before the last restart)"}: last {log.data.lines.length} lines
            {log.data.truncated && " (cut at the size limit)"}
          </p>
          <pre className="log" aria-label={`Log of ${log.data.container}`}>
            {log.data.lines.join("\n")}
          </pre>
        </>
      )}
    </section>
  );
}
