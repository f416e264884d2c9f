// The console's three views on a desktop and a phone. The pictures go with the test's results;
// with WOO_E2E_SCREENSHOTS=<dir> (npm run screenshots) they are also written there, which is how
// docs/screenshots/ (shown in the README) is made.
import type { APIRequestContext, Page } from "@playwright/test";
import { expect, test } from "./fixtures";
import { join, resolve } from "node:path";
import { NewStorePage } from "./pages/NewStorePage";
import { StoreDetailPage } from "./pages/StoreDetailPage";
import { StoreListPage } from "./pages/StoreListPage";

const SCREENS = {
  desktop: { width: 1280, height: 900 },
  mobile: { width: 390, height: 844 },
} as const;

const STORES = [
  { name: "corner-shop", status: "Ready" },
  { name: "book-nook", status: "Ready" },
  { name: "fail-demo", status: "Failed" },
] as const;

/** The stores the pictures show; the same Idempotency-Key makes a second call a no-op. */
async function ensureStores(request: APIRequestContext): Promise<Record<string, string>> {
  const ids: Record<string, string> = {};
  for (const { name, status } of STORES) {
    const response = await request.post("/stores", {
      data: { store_name: name },
      headers: { "Idempotency-Key": `screenshot-${name}` },
    });
    expect([200, 202]).toContain(response.status());
    const id = ((await response.json()) as { id: string }).id;
    await expect
      .poll(async () => ((await (await request.get(`/stores/${id}`)).json()) as { status: string }).status, {
        timeout: 45_000,
      })
      .toBe(status);
    ids[name] = id;
  }
  return ids;
}

async function picture(page: Page, name: string) {
  await page.screenshot({ path: test.info().outputPath(`${name}.png`), fullPage: true });
  const docs = process.env.WOO_E2E_SCREENSHOTS;
  if (docs) await page.screenshot({ path: join(resolve(docs), `${name}.png`), fullPage: true });
}

for (const [screen, viewport] of Object.entries(SCREENS)) {
  test.describe(`screenshots on ${screen}`, () => {
    test.use({ viewport });

    test(`list, form and store page (${screen})`, async ({ page, request }) => {
      const ids = await ensureStores(request);

      const list = new StoreListPage(page);
      await list.open();
      for (const { name, status } of STORES) await list.expectStatus(name, status);
      await picture(page, `list-${screen}`);

      const form = new NewStorePage(page);
      await form.open();
      await form.storeName.fill("tea-house");
      await expect(form.domain).toHaveAttribute("placeholder", "tea-house.localhost");
      await picture(page, `form-${screen}`);

      const detail = new StoreDetailPage(page, "corner-shop");
      await detail.open(ids["corner-shop"]!);
      await expect(detail.signIn).toBeVisible();
      await expect(detail.timeline).toContainText("readiness");
      await picture(page, `store-${screen}`);

      const failed = new StoreDetailPage(page, "fail-demo");
      await failed.open(ids["fail-demo"]!);
      await expect(failed.retryButton).toBeVisible();
      await picture(page, `store-failed-${screen}`);
    });
  });
}
