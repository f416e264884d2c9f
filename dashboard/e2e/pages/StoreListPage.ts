import { expect, type Locator, type Page } from "@playwright/test";

export class StoreListPage {
  readonly heading: Locator;
  readonly newStoreLink: Locator;
  readonly statusFilter: Locator;
  readonly notice: Locator;
  readonly search: Locator;
  readonly sort: Locator;

  constructor(private readonly page: Page) {
    this.heading = page.getByRole("heading", { level: 1, name: "Stores" });
    this.newStoreLink = page.getByRole("link", { name: "New store" });
    this.statusFilter = page.getByLabel("Status");
    this.notice = page.locator(".notice-success");
    this.search = page.getByLabel("Search");
    this.sort = page.getByLabel("Sort");
  }

  /** Open the console the way people do: the site root, which redirects to /ui/. */
  async open() {
    await this.page.goto("/");
    await expect(this.page).toHaveURL(/\/ui\/$/);
    await expect(this.heading).toBeVisible();
  }

  row(storeName: string): Locator {
    return this.page.getByRole("row").filter({ has: this.page.getByRole("rowheader", { name: storeName, exact: true }) });
  }

  status(storeName: string): Locator {
    return this.row(storeName).locator("[data-status]");
  }

  async expectStatus(storeName: string, status: string, timeout?: number) {
    await expect(this.status(storeName)).toHaveAttribute("data-status", status, { timeout });
  }

  /** Search, and wait until the list has taken the search (the box waits for a pause in the
   * typing before it asks): a click before that can be overtaken by the search's own move. */
  async searchFor(text: string) {
    await this.search.fill(text);
    await expect(this.page).toHaveURL(new RegExp(`[?&]q=${encodeURIComponent(text)}(&|$)`));
  }

  async filterBy(status: string) {
    await this.statusFilter.selectOption(status);
  }

  async openStore(storeName: string) {
    await this.row(storeName).getByRole("link", { name: storeName, exact: true }).click();
  }
}
