import { describeError } from "../api/errors";

interface ErrorNoticeProps {
  error: unknown;
  /** What was being attempted, e.g. "Could not load stores". */
  title: string;
  onRetry?: () => void;
}

/** A failed request, said in words people understand, with a way to try again. */
export function ErrorNotice({ error, title, onRetry }: ErrorNoticeProps) {
  return (
    <div className="notice notice-error" role="alert">
      <p>
        <strong>{title}.</strong> {describeError(error)}
      </p>
      {onRetry && (
        <button type="button" className="button" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}
