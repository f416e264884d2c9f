import { join, resolve } from "node:path";
import { startPlatform } from "./platform";

/** Start the platform once for the run; Playwright calls the returned function at the end. */
export default async function globalSetup(): Promise<() => Promise<void>> {
  const platform = await startPlatform();
  process.env.WOO_E2E_BASE_URL = platform.baseUrl;
  process.env.WOO_E2E_TOKEN = platform.token;
  console.log(`e2e platform at ${platform.baseUrl} (work dir ${platform.workdir})`);
  return () => platform.stop(join(resolve(import.meta.dirname, ".."), "test-results", "platform-logs"));
}
