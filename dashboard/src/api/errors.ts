import type { ErrorBody, FieldError } from "./types";

/** Why a request failed, in a form the UI can act on. ``status`` is 0 when no HTTP answer came. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly detail: string;
  readonly fields: readonly FieldError[];
  readonly retryAfterSeconds: number | null;

  constructor(options: {
    status: number;
    code: string;
    detail: string;
    fields?: readonly FieldError[];
    retryAfterSeconds?: number | null;
  }) {
    super(`${options.status || "network"} ${options.code}: ${options.detail}`);
    this.name = "ApiError";
    this.status = options.status;
    this.code = options.code;
    this.detail = options.detail;
    this.fields = options.fields ?? [];
    this.retryAfterSeconds = options.retryAfterSeconds ?? null;
  }

  static fromResponse(response: Response, body: unknown): ApiError {
    const known = isErrorBody(body) ? body : null;
    return new ApiError({
      status: response.status,
      code: known?.error ?? `http_${response.status}`,
      detail: known?.detail ?? (response.statusText || `HTTP ${response.status}`),
      fields: known?.fields ?? [],
      retryAfterSeconds: parseRetryAfter(response.headers.get("Retry-After")),
    });
  }

  static network(cause: unknown): ApiError {
    const error = new ApiError({
      status: 0,
      code: "network_error",
      detail: cause instanceof Error ? cause.message : String(cause),
    });
    error.cause = cause;
    return error;
  }

  get isNetworkError(): boolean {
    return this.status === 0;
  }
}

/** Network failures, 5xx and 429 may pass; anything else the client asked wrongly, so don't repeat it. */
export function isTransient(error: unknown): boolean {
  return (
    error instanceof ApiError &&
    (error.isNetworkError || error.status === 429 || error.status >= 500)
  );
}

/** A sentence for people, not for the log. */
export function describeError(error: unknown): string {
  if (!(error instanceof ApiError)) {
    return "Something went wrong in the dashboard. Reload the page and try again.";
  }
  if (error.isNetworkError) {
    return "Cannot reach the platform API. Check your connection, or whether the orchestrator is running, and try again.";
  }
  if (error.status === 429) {
    const wait = error.retryAfterSeconds;
    return wait
      ? `The platform is receiving too many requests. Try again in ${wait} seconds.`
      : "The platform is receiving too many requests. Wait a moment and try again.";
  }
  if (error.status >= 500) {
    return `The platform had a problem on its side (HTTP ${error.status}). Try again in a moment; if it keeps happening, the orchestrator log says why.`;
  }
  if (error.status === 401) {
    return "The platform needs an API token to answer.";
  }
  if (error.status === 403) {
    return "Your API token is not allowed to do this.";
  }
  if (error.status === 404) {
    return "Not found. It may have been deleted.";
  }
  return error.detail;
}

function isErrorBody(body: unknown): body is ErrorBody {
  return (
    typeof body === "object" &&
    body !== null &&
    typeof (body as ErrorBody).error === "string" &&
    typeof (body as ErrorBody).detail === "string"
  );
}

function parseRetryAfter(value: string | null): number | null {
  if (value === null) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds);
  const date = Date.parse(value);
  if (Number.isNaN(date)) return null;
  return Math.max(0, Math.ceil((date - Date.now()) / 1000));
}
