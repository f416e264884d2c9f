import type { Look } from "./look";

/** A status in words and a symbol, not by colour alone (like the stores' badge). */
export function Badge({ look, label }: { look: Look; label: string }) {
  return (
    <span className={`badge badge-${look.tone}`} title={look.description} data-status={label}>
      <span className="badge-symbol" aria-hidden="true">
        {look.symbol}
      </span>
      {label}
    </span>
  );
}
