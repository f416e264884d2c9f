/** Parses "1, 5, 25" into wave sizes; null when it is not a list of positive whole numbers. */
export function parseWaves(text: string): number[] | null {
  const parts = text.split(",").map((part) => part.trim());
  if (parts.some((part) => !/^[1-9][0-9]{0,3}$/.test(part))) return null;
  return parts.map(Number);
}
