// The real platform for browser tests: the Kubernetes API stand-in (kube_standin/), the orchestrator
// (`python -m orchestrator`, with the real helm binary it finds itself) serving the built
// dashboard, each on a free port with its own temporary directory, SQLite file and helm home.
// Authentication is on, as in production: an admin token is created with the real CLI
// (`python -m orchestrator tokens create`) on the platform's database before it starts.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { closeSync, cpSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const DASHBOARD = resolve(import.meta.dirname, "..");
const REPO = resolve(DASHBOARD, "..");

export interface Platform {
  baseUrl: string;
  workdir: string;
  /** An admin API token, issued by the CLI for this run. */
  token: string;
  /** Stop both processes, keep their logs in `logsDir`, remove the temporary directory. */
  stop: (logsDir: string) => Promise<void>;
}

export async function startPlatform(): Promise<Platform> {
  const python = process.env.WOO_PYTHON ?? join(REPO, ".venv", "bin", "python");
  const dist = join(DASHBOARD, "dist");
  if (!existsSync(join(dist, "index.html"))) {
    throw new Error(`no built dashboard in ${dist}: run \`npm run build\` first`);
  }
  const workdir = mkdtempSync(join(tmpdir(), "woo-e2e-"));
  const kubeconfig = join(workdir, "kubeconfig");
  const children: ChildProcess[] = [];
  // If the runner dies without tearing down, take the platform with it.
  process.once("exit", () => children.forEach((child) => child.kill("SIGKILL")));
  const stop = async (logsDir: string) => {
    await Promise.all(children.reverse().map(terminate));
    mkdirSync(logsDir, { recursive: true });
    for (const log of ["kube-standin.log", "orchestrator.log"]) {
      if (existsSync(join(workdir, log))) cpSync(join(workdir, log), join(logsDir, log));
    }
    rmSync(workdir, { recursive: true, force: true });
  };

  try {
    const kubePort = await freePort();
    children.push(
      launch(python, ["-m", "kube_standin", "--port", String(kubePort), "--kubeconfig", kubeconfig,
        "--kubelet", "ready",
        // Long enough that people (and the test) see Provisioning and its reason.
        "--ready-after", process.env.WOO_E2E_READY_AFTER ?? "1.5",
        // As in demo mode: stores named fail-… fail their setup, to show Failed and Retry.
        "--fail-prefix", "fail-"],
        {}, join(workdir, "kube-standin.log")),
    );
    await waitFor("the Kubernetes API stand-in", children[0]!, join(workdir, "kube-standin.log"),
      async () => existsSync(kubeconfig) && (await fetch(`http://127.0.0.1:${kubePort}/version`)).ok);

    const port = await freePort();
    const helmHome = join(workdir, "helm");
    const database = {
      WOO_DATABASE_URL: `sqlite:///${join(workdir, "e2e.sqlite3")}`,
      WOO_DATA_DIR: workdir,
    };
    const token = issueToken(python, database);
    children.push(
      launch(python, ["-m", "orchestrator"], {
        ...database,
        WOO_HOST: "127.0.0.1",
        WOO_PORT: String(port),
        WOO_KUBECONFIG: kubeconfig,
        WOO_DASHBOARD_DIR: dist,
        WOO_READINESS_POLL_SECONDS: "0.5",
        WOO_RECONCILE_INTERVAL_SECONDS: "0.5",
        HELM_CACHE_HOME: join(helmHome, "cache"),
        HELM_CONFIG_HOME: join(helmHome, "config"),
        HELM_DATA_HOME: join(helmHome, "data"),
      }, join(workdir, "orchestrator.log")),
    );
    const baseUrl = `http://127.0.0.1:${port}`;
    await waitFor("the orchestrator", children[1]!, join(workdir, "orchestrator.log"),
      async () => (await fetch(`${baseUrl}/readyz`)).ok);
    return { baseUrl, workdir, token, stop };
  } catch (error) {
    await stop(join(DASHBOARD, "test-results", "platform-logs"));
    throw error;
  }

  function launch(command: string, args: string[], env: Record<string, string>, logFile: string) {
    const log = openSync(logFile, "a");
    const child = spawn(command, args, {
      cwd: REPO,
      env: { ...process.env, ...env, PYTHONUNBUFFERED: "1" },
      stdio: ["ignore", log, log],
    });
    closeSync(log);
    return child;
  }
}

/** `python -m orchestrator tokens create`: the token is the last line it prints. */
function issueToken(python: string, database: Record<string, string>): string {
  const output = execFileSync(python, ["-m", "orchestrator", "tokens", "create", "e2e-admin", "--scope", "admin"], {
    cwd: REPO,
    env: { ...process.env, ...database, WOO_LOG_LEVEL: "warning" },
    encoding: "utf8",
  });
  const token = output.trim().split("\n").at(-1) ?? "";
  if (!token.startsWith("woo_")) throw new Error(`the token CLI printed no token:\n${output}`);
  return token;
}

async function waitFor(what: string, child: ChildProcess, logFile: string, ready: () => Promise<boolean>) {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${what} exited (${child.exitCode ?? child.signalCode}):\n${tail(logFile)}`);
    }
    try {
      if (await ready()) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((done) => setTimeout(done, 200));
  }
  throw new Error(`${what} was not ready within 60 s:\n${tail(logFile)}`);
}

function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => {
    const kill = setTimeout(() => child.kill("SIGKILL"), 10_000);
    child.once("exit", () => {
      clearTimeout(kill);
      done();
    });
    child.kill("SIGTERM");
  });
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? done(address.port) : fail(new Error("no port"))));
    });
  });
}

function tail(file: string): string {
  return existsSync(file) ? readFileSync(file, "utf8").split("\n").slice(-40).join("\n") : "(no log)";
}
