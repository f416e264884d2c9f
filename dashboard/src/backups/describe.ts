// How a backup is named to people: when it was taken, what it holds.
import type { Backup } from "../api/types";
import { formatTimestamp } from "../stores/time";

export function backupTime(backup: Backup): string {
  return formatTimestamp(backup.finished_at ?? backup.started_at);
}

export function shortSnapshot(backup: Backup): string {
  return backup.snapshot_id ? backup.snapshot_id.slice(0, 8) : "–";
}

export function formatSize(bytes: number | null): string {
  if (bytes === null) return "–";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}
