import { describe, expect, it } from "vitest";
import { ApiError, describeError, isTransient } from "./errors";

function response(status: number, headers: Record<string, string> = {}) {
  return new Response(null, { status, statusText: "Bad Gateway", headers });
}

describe("ApiError", () => {
  it("keeps the API's error code, detail and field errors", () => {
    const error = ApiError.fromResponse(response(422), {
      error: "validation_error",
      detail: "store_name: must not be empty",
      fields: [{ field: "store_name", message: "must not be empty" }],
    });
    expect(error).toMatchObject({ status: 422, code: "validation_error", detail: "store_name: must not be empty" });
    expect(error.fields).toEqual([{ field: "store_name", message: "must not be empty" }]);
  });

  it("copes with a body that is not the API's (a proxy's HTML page)", () => {
    const error = ApiError.fromResponse(response(502), "<html>Bad Gateway</html>");
    expect(error).toMatchObject({ status: 502, code: "http_502", detail: "Bad Gateway" });
    expect(describeError(error)).toMatch(/problem on its side \(HTTP 502\)/);
  });

  it("reads Retry-After in seconds or as a date", () => {
    expect(ApiError.fromResponse(response(429, { "Retry-After": "3" }), null).retryAfterSeconds).toBe(3);
    const later = new Date(Date.now() + 10_000).toUTCString();
    const fromDate = ApiError.fromResponse(response(429, { "Retry-After": later }), null).retryAfterSeconds;
    expect(fromDate).toBeGreaterThanOrEqual(9);
    expect(fromDate).toBeLessThanOrEqual(11);
  });

  it("retries only what may pass: network failures, 5xx and 429, never 4xx such as 401/403", () => {
    expect(isTransient(ApiError.network(new TypeError("Failed to fetch")))).toBe(true);
    expect(isTransient(ApiError.fromResponse(response(503), null))).toBe(true);
    expect(isTransient(ApiError.fromResponse(response(429), null))).toBe(true);
    for (const status of [400, 401, 403, 404, 409, 422]) {
      expect(isTransient(ApiError.fromResponse(response(status), null))).toBe(false);
    }
    expect(isTransient(new Error("bug"))).toBe(false);
  });
});
