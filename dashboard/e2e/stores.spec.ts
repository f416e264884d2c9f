import type { Page, TestInfo } from "@playwright/test";
import { expect, test } from "./fixtures";
import { NewStorePage } from "./pages/NewStorePage";
import { StoreDetailPage } from "./pages/StoreDetailPage";
import { StoreListPage } from "./pages/StoreListPage";

/** A store name no other test (or earlier run against the same platform) uses. */
function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`;
}

/** A screenshot kept with the test's artifacts (test-results/e2e/<test>/<name>.png). */
async function snapshot(page: Page, testInfo: TestInfo, name: string, fullPage = true) {
  await page.screenshot({ path: testInfo.outputPath(`${name}.png`), fullPage });
}

test("create a store, watch it become Ready, open it, delete it", async ({ page }, testInfo) => {
  const name = uniqueName("e2e");
  const list = new StoreListPage(page);
  const form = new NewStorePage(page);

  await list.open();
  await snapshot(page, testInfo, "00-list");
  // From the keyboard alone: follow the link, type the name, submit with Enter.
  await list.newStoreLink.focus();
  await page.keyboard.press("Enter");
  await expect(form.heading).toBeVisible();
  await form.storeName.focus();
  await page.keyboard.type(name);
  await expect(form.domain).toHaveValue("");
  await expect(form.domain).toHaveAttribute("placeholder", `${name}.localhost`);
  await expect(form.environment).toHaveValue("local");
  await snapshot(page, testInfo, "01-create-form");
  await page.keyboard.press("Enter");

  await expect(list.heading).toBeVisible();
  await expect(list.notice).toContainText(`Store ${name} requested`);
  await list.expectStatus(name, "Provisioning");
  await expect(list.row(name)).toContainText(`${name}.localhost`);
  await snapshot(page, testInfo, "02-provisioning");

  await list.expectStatus(name, "Ready", 45_000);
  await expect(list.row(name).getByRole("link", { name: `${name}.localhost` })).toHaveAttribute(
    "href",
    new RegExp(`^https?://${name}\\.localhost`),
  );
  await snapshot(page, testInfo, "03-ready");

  await list.openStore(name);
  const detail = new StoreDetailPage(page, name);
  await detail.expectLoaded();
  await expect(page).toHaveURL(/\/ui\/stores\/[0-9a-f-]+$/);
  await expect(detail.status).toHaveAttribute("data-status", "Ready");
  await expect(detail.storefrontLink).toHaveAttribute("href", new RegExp(`${name}\\.localhost`));
  await expect(detail.adminLink).toHaveAttribute("href", /wp-admin/);
  await expect(detail.timeline).toContainText("store requested");
  await expect(detail.timeline.locator(".outcome-succeeded").last()).toContainText("readiness");
  await snapshot(page, testInfo, "04-detail");

  await detail.deleteButton.click();
  await expect(detail.confirmDialog()).toContainText(name);
  await snapshot(page, testInfo, "05-confirm-delete", false);
  await detail.confirmDialog().getByRole("button", { name: `Delete ${name}` }).click();

  await expect(list.heading).toBeVisible();
  await expect(list.notice).toContainText(`Deleting store ${name}`);
  await expect(list.row(name)).toHaveCount(0, { timeout: 45_000 });
  await snapshot(page, testInfo, "06-gone");

  // Gone from the live list, still on record as Deleted.
  await list.filterBy("Deleted");
  await list.expectStatus(name, "Deleted");
});

test("a bad store name is refused next to the field, as the API refuses it", async ({ page, request }, testInfo) => {
  const form = new NewStorePage(page);
  const posts: string[] = [];
  page.on("request", (sent) => {
    if (sent.method() === "POST") posts.push(sent.url());
  });

  await form.open();
  await form.create("Bad_Name");

  await expect(form.storeName).toHaveAttribute("aria-invalid", "true");
  await expect(form.storeName).toBeFocused();
  await expect(form.problem("store_name")).toBeVisible();
  const shown = await form.problem("store_name").innerText();
  await snapshot(page, testInfo, "01-field-error");
  expect(posts).toEqual([]);

  // The API refuses the same name with the same words, under the field name the form uses.
  const refused = await request.post("/stores", { data: { store_name: "Bad_Name", environment: "local" } });
  expect(refused.status()).toBe(422);
  const body = (await refused.json()) as { error: string; fields: { field: string; message: string }[] };
  expect(body.error).toBe("validation_error");
  expect(body.fields).toHaveLength(1);
  expect(body.fields[0]?.field).toBe("store_name");
  expect(shown).toContain(body.fields[0]?.message);
  // Nothing was created.
  const stores = (await (await request.get("/stores?include_deleted=true")).json()) as { items: { store_name: string }[] };
  expect(stores.items.map((store) => store.store_name)).not.toContain("Bad_Name");
});

test("a name a live store already has is refused with a link to that store (409)", async ({ page, request }, testInfo) => {
  const name = uniqueName("taken");
  const first = await request.post("/stores", { data: { store_name: name, environment: "local" } });
  expect(first.status()).toBe(202);
  const { id } = (await first.json()) as { id: string };

  const form = new NewStorePage(page);
  await form.open();
  await form.create(name);

  await expect(form.alert).toContainText("That name or domain is taken.");
  await expect(form.heading).toBeVisible();
  // Focus moves to the message, which links the store that holds the name.
  await expect(page.locator("#create-error")).toBeFocused();
  const holder = form.alert.getByRole("link", { name, exact: true });
  await expect(holder).toHaveAttribute("href", `/ui/stores/${id}`);
  await snapshot(page, testInfo, "01-conflict");
  await holder.click();
  const detail = new StoreDetailPage(page, name);
  await detail.expectLoaded();
  await expect(page).toHaveURL(new RegExp(`/ui/stores/${id}$`));

  expect((await request.delete(`/stores/${id}`)).status()).toBe(202);
});

test("the console runs under the platform's Content Security Policy", async ({ page }) => {
  const violations: string[] = [];
  page.on("console", (message) => {
    if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
  });
  const response = await page.goto("/ui/");
  const policy = response?.headers()["content-security-policy"] ?? "";
  expect(policy).toContain("script-src 'self'");
  expect(policy).not.toContain("unsafe-inline");
  await expect(new StoreListPage(page).heading).toBeVisible();
  expect(violations).toEqual([]);
});

test("an admin sees who is signed in and reveals a store's admin password on purpose", async ({ page, request }, testInfo) => {
  const name = uniqueName("pw");
  const created = await request.post("/stores", { data: { store_name: name, environment: "local" } });
  expect(created.status()).toBe(202);
  const { id } = (await created.json()) as { id: string };

  await page.goto(`/ui/stores/${id}`);
  await expect(page.getByText(/Signed in as/)).toHaveText("Signed in as e2e-admin (admin)");
  const detail = new StoreDetailPage(page, name);
  await expect(detail.status).toHaveAttribute("data-status", "Ready", { timeout: 45_000 });

  await page.getByRole("button", { name: "Show admin password…" }).click();
  const dialog = page.getByRole("dialog", { name: `Admin password of ${name}` });
  await expect(dialog).toContainText("records that you looked");
  await dialog.getByRole("button", { name: "Show password" }).click();
  const password = dialog.getByLabel("Admin password");
  await expect(password).toHaveText(/^\S{20,}$/);
  await snapshot(page, testInfo, "admin-password", false);
  await dialog.getByRole("button", { name: "Done" }).click();

  const audit = await request.get(`/audit?store_id=${id}&action=getStoreCredentials`);
  expect(((await audit.json()) as { total: number }).total).toBe(1);
  expect((await request.delete(`/stores/${id}`)).status()).toBe(202);
});
