import { expect, type Locator, type Page } from "@playwright/test";

export class StoreDetailPage {
  readonly heading: Locator;
  readonly status: Locator;
  readonly storefrontLink: Locator;
  readonly adminLink: Locator;
  readonly timeline: Locator;
  readonly deleteButton: Locator;
  readonly retryButton: Locator;
  readonly callout: Locator;
  readonly signIn: Locator;

  constructor(private readonly page: Page, readonly storeName: string) {
    this.heading = page.getByRole("heading", { level: 1 });
    this.status = this.heading.locator("[data-status]");
    this.storefrontLink = page.locator("dt:has-text('Storefront') + dd a");
    this.adminLink = page.locator("dt:has-text('WP admin') + dd a");
    this.timeline = page.locator(".timeline");
    this.deleteButton = page.getByRole("button", { name: "Delete…" });
    this.retryButton = page.getByRole("button", { name: "Retry" });
    this.callout = page.locator(".status-callout");
    this.signIn = page.getByRole("region", { name: "Sign in to WP admin" });
  }

  async open(storeId: string) {
    await this.page.goto(`/ui/stores/${storeId}`);
    await this.expectLoaded();
  }

  async expectLoaded() {
    await expect(this.heading).toContainText(this.storeName);
  }

  confirmDialog(): Locator {
    return this.page.getByRole("dialog", { name: `Delete store ${this.storeName}?` });
  }

  async delete() {
    await this.deleteButton.click();
    const dialog = this.confirmDialog();
    await expect(dialog).toBeVisible();
    await dialog.getByRole("button", { name: `Delete ${this.storeName}` }).click();
  }
}
