// The platform serves the dashboard under a Content Security Policy without 'unsafe-inline'
// (orchestrator/http_headers.py): fail the build when the built page has an inline script.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";

const page = readFileSync(resolve(import.meta.dirname, "..", "dist", "index.html"), "utf8");
const inline = [...page.matchAll(/<script\b([^>]*)>/g)].filter(([, attributes]) => !/\bsrc=/.test(attributes));
if (inline.length > 0) {
  console.error(`dist/index.html has ${inline.length} inline script(s); the CSP would block them`);
  process.exit(1);
}
console.log("dist/index.html has no inline script");
