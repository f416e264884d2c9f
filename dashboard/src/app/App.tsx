import { useSyncExternalStore } from "react";
import { Link, Route, Routes } from "react-router";
import { usePrincipal } from "../auth/access";
import { TokenDialog } from "../auth/TokenDialog";
import { usePlatformInfo } from "../stores/queries";
import { CreateStorePage } from "../stores/CreateStorePage";
import { StoreDetailPage } from "../stores/StoreDetailPage";
import { StoreListPage } from "../stores/StoreListPage";
import { RolloutDetailPage } from "../rollouts/RolloutDetailPage";
import { RolloutListPage } from "../rollouts/RolloutListPage";
import { routePatterns, routes } from "../urls";
import { usePlatform } from "./platform";

export function App() {
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="top-bar">
        <Link to={routes.storeList()} className="brand">
          woo-platform
        </Link>
        <span className="brand-note">WooCommerce stores on demand</span>
        <nav aria-label="Sections" className="sections">
          <Link to={routes.storeList()}>Stores</Link>
          <Link to={routes.rolloutList()}>Rollouts</Link>
        </nav>
        <TokenButton />
      </header>
      <main id="main" tabIndex={-1}>
        <Routes>
          <Route path={routePatterns.storeList} element={<StoreListPage />} />
          <Route path={routePatterns.newStore} element={<CreateStorePage />} />
          <Route path={routePatterns.storeDetail} element={<StoreDetailPage />} />
          <Route path={routePatterns.rolloutList} element={<RolloutListPage />} />
          <Route path={routePatterns.rolloutDetail} element={<RolloutDetailPage />} />
          <Route path="*" element={<NotFound />} />
        </Routes>
      </main>
      <TokenDialog />
    </>
  );
}

/** Who is signed in and with which scope; sign in, change token, sign out. Says so plainly
 * when the platform runs open. */
function TokenButton() {
  const { auth, queryClient } = usePlatform();
  const info = usePlatformInfo();
  const principal = usePrincipal();
  const { token } = useSyncExternalStore(auth.subscribe, auth.snapshot);
  if (!info.data) return null;
  if (!info.data.auth_required) {
    return (
      <span className="auth-off">
        Authentication is off: anyone who reaches this platform can change it (demo mode)
      </span>
    );
  }
  return (
    <div className="session">
      {token && principal.data && (
        <span className="signed-in">
          Signed in as <strong>{principal.data.name}</strong> ({principal.data.scope})
        </span>
      )}
      <button type="button" className="button button-quiet" onClick={() => auth.requestToken("manual")}>
        {token ? "Change API token" : "Enter API token"}
      </button>
      {token && (
        <button
          type="button"
          className="button button-quiet"
          onClick={() => {
            auth.signOut();
            queryClient.clear();
          }}
        >
          Sign out
        </button>
      )}
    </div>
  );
}

function NotFound() {
  return (
    <section>
      <h1>Page not found</h1>
      <p>
        <Link to={routes.storeList()}>Go to the stores</Link>
      </p>
    </section>
  );
}
