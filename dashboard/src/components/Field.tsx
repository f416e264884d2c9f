import type { ReactNode } from "react";

/** What the control inside a Field spreads onto itself, so its hint and problem are announced. */
export interface FieldDescription {
  "aria-describedby": string;
  "aria-invalid": boolean;
}

interface FieldProps {
  /** The control's id; the hint and problem get ids derived from it. */
  id: string;
  label: string;
  hint: string;
  problem: string | undefined;
  children: (described: FieldDescription) => ReactNode;
}

/** A labelled form control with a hint below it, and the problem with its value once there is one. */
export function Field({ id, label, hint, problem, children }: FieldProps) {
  const hintId = `${id}-hint`;
  const problemId = `${id}-problem`;
  return (
    <div className={problem ? "field field-invalid" : "field"}>
      <label htmlFor={id}>{label}</label>
      {children({
        "aria-describedby": problem ? `${problemId} ${hintId}` : hintId,
        "aria-invalid": Boolean(problem),
      })}
      {problem && (
        <p id={problemId} className="field-problem">
          <span aria-hidden="true">✕ </span>
          {label}: {problem}
        </p>
      )}
      <p id={hintId} className="field-hint">
        {hint}
      </p>
    </div>
  );
}
