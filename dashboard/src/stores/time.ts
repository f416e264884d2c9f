/** A short age such as "45s", "12m", "3h" or "5d". */
export function formatAge(since: string, now: number): string {
  const seconds = Math.max(0, Math.floor((now - Date.parse(since)) / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h`;
  return `${Math.floor(hours / 24)}d`;
}

/** A full local date and time, for titles and the timeline. */
export function formatTimestamp(value: string): string {
  return new Date(value).toLocaleString(undefined, {
    dateStyle: "medium",
    timeStyle: "medium",
  });
}

/** A local date, once per day in the timeline: "Mon, 30 Nov 2026". */
export function formatDay(value: string): string {
  return new Date(value).toLocaleDateString(undefined, {
    weekday: "short",
    day: "numeric",
    month: "short",
    year: "numeric",
  });
}

/** A local time of day, under a date heading. */
export function formatTime(value: string): string {
  return new Date(value).toLocaleTimeString(undefined, { timeStyle: "medium" });
}
