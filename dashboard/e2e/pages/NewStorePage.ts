import { expect, type Locator, type Page } from "@playwright/test";

export class NewStorePage {
  readonly heading: Locator;
  readonly storeName: Locator;
  readonly domain: Locator;
  readonly environment: Locator;
  readonly createButton: Locator;
  readonly alert: Locator;

  constructor(private readonly page: Page) {
    this.heading = page.getByRole("heading", { level: 1, name: "New store" });
    this.storeName = page.getByLabel("Store name");
    this.domain = page.getByLabel("Domain");
    this.environment = page.getByLabel("Environment");
    this.createButton = page.getByRole("button", { name: "Create store" });
    this.alert = page.getByRole("alert");
  }

  async open() {
    await this.page.goto("/ui/new");
    await expect(this.heading).toBeVisible();
  }

  /** Fill the form from the keyboard, as a person would, and submit it. */
  async create(storeName: string, environment = "local") {
    await this.storeName.fill(storeName);
    await this.environment.selectOption(environment);
    await this.createButton.click();
  }

  /** The message shown next to a field, which is also the field's accessible description. */
  problem(field: "store_name" | "domain" | "environment"): Locator {
    return this.page.locator(`#${field}-problem`);
  }
}
