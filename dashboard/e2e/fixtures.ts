// The tests act as a signed-in admin: the browser tab holds the run's token where the
// dashboard keeps it after sign-in, and API calls made by the tests carry it too.
import { test as base, expect } from "@playwright/test";

// Where the dashboard keeps the token for the tab (src/auth/session.ts).
const TOKEN_KEY = "woo-platform.api-token";

export function e2eToken(): string {
  const token = process.env.WOO_E2E_TOKEN;
  if (!token) throw new Error("WOO_E2E_TOKEN is not set: the global setup issues it");
  return token;
}

export const test = base.extend({
  page: async ({ page }, use) => {
    await page.addInitScript({
      content: `sessionStorage.setItem(${JSON.stringify(TOKEN_KEY)}, ${JSON.stringify(e2eToken())});`,
    });
    await use(page);
  },
  request: async ({ playwright, baseURL }, use) => {
    const context = await playwright.request.newContext({
      baseURL,
      extraHTTPHeaders: { Authorization: `Bearer ${e2eToken()}` },
    });
    await use(context);
    await context.dispose();
  },
});

export { expect };
