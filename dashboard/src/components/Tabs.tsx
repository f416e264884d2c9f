import { useId, type ReactNode } from "react";

interface Tab {
  id: string;
  label: string;
  content: () => ReactNode;
}

interface TabsProps {
  label: string;
  tabs: readonly Tab[];
  selected: string;
  onSelect: (id: string) => void;
}

/** Tabs as ARIA describes them: a tablist of buttons, one panel shown, arrow keys move along. */
export function Tabs({ label, tabs, selected, onSelect }: TabsProps) {
  const base = useId();
  const current = tabs.find((tab) => tab.id === selected) ?? tabs[0];
  function move(offset: number) {
    if (!current) return;
    const index = (tabs.indexOf(current) + offset + tabs.length) % tabs.length;
    const next = tabs[index];
    if (next) {
      onSelect(next.id);
      document.getElementById(`${base}-tab-${next.id}`)?.focus();
    }
  }
  return (
    <>
      <div className="tabs" role="tablist" aria-label={label}>
        {tabs.map((tab) => (
          <button
            key={tab.id}
            id={`${base}-tab-${tab.id}`}
            type="button"
            role="tab"
            className="tab"
            aria-selected={tab === current}
            aria-controls={`${base}-panel-${tab.id}`}
            tabIndex={tab === current ? 0 : -1}
            onClick={() => onSelect(tab.id)}
            onKeyDown={(event) => {
              if (event.key === "ArrowRight") move(1);
              if (event.key === "ArrowLeft") move(-1);
            }}
          >
            {tab.label}
          </button>
        ))}
      </div>
      {current && (
        <div id={`${base}-panel-${current.id}`} role="tabpanel" aria-labelledby={`${base}-tab-${current.id}`}>
          {current.content()}
        </div>
      )}
    </>
  );
}
