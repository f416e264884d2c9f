import { execFileSync } from "node:child_process";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { defaultDomain, hostnameProblem, storeNameProblem, validateStoreForm } from "./validation";

const NAMES = ["demo", "a", "shop-1", "", "Demo", "-demo", "demo-", "de_mo", "dé", "a".repeat(54), "a".repeat(55), "1shop", "shop.eu",
  "demo\n", "de\tmo", "default", "kube-system", "kube-x", "kubelet"];
const HOSTS = [
  "demo.localhost", "localhost", "shop.example.com", "", "Shop.example.com", ".demo", "demo.", "a..b",
  "-a.example.com", "a-.example.com", `${"a".repeat(63)}.com`, `${"a".repeat(64)}.com`,
  `${"a".repeat(60)}.`.repeat(4) + "com", "10.0.0.1", "shop.123", "123.shop", "sh_op.com", "xn--bcher-kva.example",
  "demo.localhost\n", "null", "a\u0000.com",
];

/** The orchestrator's own answers for the same inputs (orchestrator/naming.py). */
function apiAnswers(): { names: (string | null)[]; hosts: (string | null)[] } {
  const repo = resolve(__dirname, "../../..");
  const python = process.env.WOO_PYTHON ?? resolve(repo, ".venv/bin/python");
  const script = [
    "import json, sys",
    "from orchestrator.naming import store_name_problem, hostname_problem",
    "cases = json.load(sys.stdin)",
    "print(json.dumps({'names': [store_name_problem(n) for n in cases['names']],",
    "                  'hosts': [hostname_problem(h) for h in cases['hosts']]}))",
  ].join("\n");
  const output = execFileSync(python, ["-c", script], {
    cwd: repo,
    input: JSON.stringify({ names: NAMES, hosts: HOSTS }),
    encoding: "utf8",
  });
  return JSON.parse(output) as { names: (string | null)[]; hosts: (string | null)[] };
}

describe("validation mirrors the API", () => {
  it("gives the orchestrator's answer for every store name and domain", () => {
    const api = apiAnswers();
    expect(NAMES.map((name) => storeNameProblem(name))).toEqual(api.names);
    expect(HOSTS.map((host) => hostnameProblem(host))).toEqual(api.hosts);
  });

  it("builds the default domain from the name and the base domain", () => {
    expect(defaultDomain("shop", "stores.example.com")).toBe("shop.stores.example.com");
    expect(defaultDomain("", "stores.example.com")).toBe("");
  });

  it("accepts an empty domain (the API picks the default) and refuses unknown environments", () => {
    const rules = { storeNameMax: 54, environments: ["local", "prod"] as const };
    expect(validateStoreForm({ store_name: "shop", domain: "", environment: "local" }, rules)).toEqual({});
    expect(validateStoreForm({ store_name: "", domain: "x..y", environment: "staging" }, rules)).toEqual({
      store_name: "must not be empty",
      domain: "must not contain empty labels (leading, trailing or double dots)",
      environment: "must be one of: local, prod",
    });
  });
});
