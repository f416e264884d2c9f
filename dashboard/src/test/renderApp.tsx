import { render } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { BrowserRouter, MemoryRouter } from "react-router";
import { App } from "../app/App";
import { createPlatform } from "../app/platform";
import { PlatformProvider } from "../app/PlatformProvider";
import type { FakeApi } from "./fakeApi";

/** The whole console at `path`, talking to `api`, with retries off and fast polling. In memory
 * unless `browserHistory`: then on the window's own history and location, as in a browser. */
export function renderApp(api: FakeApi, path = "/", { browserHistory = false } = {}) {
  const platform = createPlatform({
    baseUrl: "http://platform.test",
    fetch: api.fetch,
    storage: window.sessionStorage,
    retries: false,
    pollIntervalMs: 25,
  });
  if (browserHistory) window.history.replaceState(null, "", path);
  const user = userEvent.setup();
  const view = render(
    <PlatformProvider platform={platform}>
      {browserHistory ? (
        <BrowserRouter>
          <App />
        </BrowserRouter>
      ) : (
        <MemoryRouter initialEntries={[path]}>
          <App />
        </MemoryRouter>
      )}
    </PlatformProvider>,
  );
  return { ...view, user, platform };
}
