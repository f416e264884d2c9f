import type { APIRequestContext, Page } from "@playwright/test";
import { expect, test } from "./fixtures";
import { NewStorePage } from "./pages/NewStorePage";
import { StoreDetailPage } from "./pages/StoreDetailPage";
import { StoreListPage } from "./pages/StoreListPage";

const PHONE = { width: 390, height: 844 };

function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`;
}

async function createStore(request: APIRequestContext, storeName: string): Promise<string> {
  const response = await request.post("/stores", { data: { store_name: storeName } });
  expect(response.status()).toBe(202);
  return ((await response.json()) as { id: string }).id;
}

async function waitForStatus(request: APIRequestContext, id: string, status: string) {
  await expect
    .poll(async () => ((await (await request.get(`/stores/${id}`)).json()) as { status: string }).status, {
      timeout: 45_000,
    })
    .toBe(status);
}

/** Nothing on the page is wider than the screen, and no box in it scrolls sideways. */
async function expectNoHorizontalScroll(page: Page) {
  const overflow = await page.evaluate(() => {
    const wider = [...document.querySelectorAll<HTMLElement>("main *")].filter(
      (element) =>
        element.scrollWidth > element.clientWidth + 1 &&
        ["auto", "scroll"].includes(getComputedStyle(element).overflowX),
    );
    return {
      page: document.documentElement.scrollWidth - window.innerWidth,
      scrollers: wider.map((element) => element.className || element.tagName),
    };
  });
  expect(overflow.page).toBeLessThanOrEqual(0);
  expect(overflow.scrollers).toEqual([]);
}

test.describe("on a phone (390 px)", () => {
  test.use({ viewport: PHONE });

  test("the list shows each store as a card with its status on screen", async ({ page, request }) => {
    const name = uniqueName("phone");
    const id = await createStore(request, name);
    await waitForStatus(request, id, "Ready");

    const list = new StoreListPage(page);
    await list.open();
    await list.searchFor(name);
    await list.expectStatus(name, "Ready");
    const status = list.status(name);
    await expect(status).toBeInViewport({ ratio: 1 });
    const box = await status.boundingBox();
    expect(box).not.toBeNull();
    expect(box!.x + box!.width).toBeLessThanOrEqual(PHONE.width);
    // Name and status share the card's first line.
    const nameBox = await list.row(name).getByRole("rowheader").boundingBox();
    expect(Math.abs(nameBox!.y - box!.y)).toBeLessThan(box!.height);
    await expectNoHorizontalScroll(page);
  });

  test("a long failure reason is clamped in the list and whole on the store's page", async ({ page, request }) => {
    const name = uniqueName("fail-long");
    const id = await createStore(request, name);
    await waitForStatus(request, id, "Failed");

    const list = new StoreListPage(page);
    await list.open();
    await list.searchFor(name);
    await list.expectStatus(name, "Failed");
    const reason = list.row(name).locator(".reason span");
    const lineHeight = await reason.evaluate((element) => parseFloat(getComputedStyle(element).lineHeight));
    expect((await reason.boundingBox())!.height).toBeLessThanOrEqual(2 * lineHeight + 1);
    const full = await reason.getAttribute("title");
    expect(full).toContain("BackoffLimitExceeded");
    // Clamped: the text needs more room than the two lines it is given.
    expect(await reason.evaluate((element) => element.scrollHeight > element.clientHeight)).toBe(true);
    await expectNoHorizontalScroll(page);

    await list.openStore(name);
    const detail = new StoreDetailPage(page, name);
    await detail.expectLoaded();
    await expect(detail.callout).toContainText(full!);
  });
});

test("the form keeps the suggested domain a placeholder, so a name typo is one error", async ({ page }) => {
  const form = new NewStorePage(page);
  await form.open();
  await form.storeName.fill("Corner_Shop");
  await expect(form.domain).toHaveValue("");
  await expect(form.domain).toHaveAttribute("placeholder", "Corner_Shop.localhost");
  await form.createButton.click();
  await expect(form.storeName).toHaveAttribute("aria-invalid", "true");
  await expect(form.domain).toHaveAttribute("aria-invalid", "false");
  await expect(page.locator(".field-problem")).toHaveCount(1);

  await form.storeName.fill("corner-shop");
  await expect(form.domain).toHaveAttribute("placeholder", "corner-shop.localhost");
  await form.domain.fill("shop.example.com");
  await form.storeName.fill("corner-shop-2");
  await expect(form.domain).toHaveValue("shop.example.com");
});

test("the form flags a name past its limit while it is typed", async ({ page }) => {
  const form = new NewStorePage(page);
  await form.open();
  await form.storeName.pressSequentially("a".repeat(55));
  await expect(form.problem("store_name")).toContainText("must be at most 54 characters");
  await expect(form.storeName).toHaveAttribute("aria-invalid", "true");
});

test("the 'requested' banner clears once the store is Ready", async ({ page }) => {
  const name = uniqueName("banner");
  const form = new NewStorePage(page);
  const list = new StoreListPage(page);
  await form.open();
  await form.create(name);

  await expect(list.notice).toContainText(`Store ${name} requested`);
  await list.expectStatus(name, "Ready", 45_000);
  await expect(list.notice).toHaveCount(0);
  // Gone for good: a reload of the same history entry does not bring it back.
  await page.reload();
  await expect(list.heading).toBeVisible();
  await expect(list.notice).toHaveCount(0);
});

test("the list shows the error on the first failed request, not after the retries", async ({ page }) => {
  const stores = /\/stores(\?|$)/;
  // The first request fails at once; the console's retries are held back, so whatever the
  // page shows meanwhile follows from that one failure alone.
  let answered = 0;
  let releaseRetries = () => {};
  const retriesReleased = new Promise<void>((done) => (releaseRetries = done));
  await page.route(stores, async (route) => {
    if (answered > 0) await retriesReleased;
    answered += 1;
    await route.fulfill({
      status: 500,
      contentType: "application/json",
      body: JSON.stringify({ error: "internal_error", detail: "internal error; see the orchestrator log" }),
    });
  });
  const list = new StoreListPage(page);
  await page.goto("/ui/");
  const alert = page.getByRole("alert");
  await expect(alert).toContainText("Could not load the stores");
  await expect(alert).toContainText("HTTP 500");
  expect(answered).toBe(1);
  await expect(page.getByText("Loading stores…")).toHaveCount(0);
  await expect(page.getByText(/updating live/)).toHaveCount(0);

  // The API answers again: the retry button brings the list back.
  releaseRetries();
  await page.unroute(stores);
  await alert.getByRole("button", { name: "Try again" }).click();
  await expect(list.heading).toBeVisible();
  await expect(alert).toHaveCount(0);
});

test("a demo store named fail-… fails with its reason, and Retry is offered", async ({ page, request }) => {
  const name = uniqueName("fail-demo");
  const id = await createStore(request, name);
  const detail = new StoreDetailPage(page, name);
  await detail.open(id);
  await expect(detail.status).toHaveAttribute("data-status", "Failed", { timeout: 45_000 });
  await expect(detail.callout).toContainText("BackoffLimitExceeded");
  await expect(detail.callout).toContainText("on purpose");
  // The reason and the advice are separate sentences, not run together.
  const sentences = await detail.callout.locator("p").allInnerTexts();
  expect(sentences).toHaveLength(2);
  expect(sentences[1]).toMatch(/^Retry resumes from the step that failed/);
  await expect(detail.retryButton).toBeVisible();
  await expect(detail.timeline.locator(".outcome-failed")).toContainText(/failed in (<1s|\d+s)/);
});

test("the store page says how to sign in, and shows steps with their durations", async ({ page, request }) => {
  const name = uniqueName("signin");
  const id = await createStore(request, name);
  const detail = new StoreDetailPage(page, name);
  await detail.open(id);
  await expect(detail.status).toHaveAttribute("data-status", "Ready", { timeout: 45_000 });
  await expect(detail.signIn).toContainText("admin");
  const namespace = ((await (await request.get(`/stores/${id}`)).json()) as { namespace: string }).namespace;
  await expect(detail.signIn.locator(".command-text")).toHaveText(
    `kubectl -n ${namespace} get secret store-admin-credentials -o jsonpath='{.data.admin-password}' | base64 -d`,
  );
  await expect(detail.timeline.locator(".timeline-date")).toHaveCount(1);
  await expect(detail.timeline.locator(".outcome-succeeded").filter({ hasText: "release" })).toContainText(
    /succeeded in (<1s|\d+s)/,
  );
});
