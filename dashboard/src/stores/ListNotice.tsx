import { useEffect } from "react";
import { useLocation, useNavigate } from "react-router";
import { useStore } from "./queries";
import { isChanging } from "./status";

/**
 * What a page leaves in the navigation state when it sends people back to the store list, for
 * the list to announce there (the create form: "requested"; the delete dialog: "deleting").
 * With `storeId`, the announcement lasts while that store is changing and clears once it
 * settles (Ready, Failed, Deleted, …): the list row says the rest.
 */
export interface ListNoticeState {
  notice: string;
  storeId?: string;
}

/** The announcement another page left for the store list, if any. */
export function ListNotice() {
  const location = useLocation();
  const state = location.state as ListNoticeState | null;
  if (!state?.notice) return null;
  if (!state.storeId) return <Notice text={state.notice} />;
  return <StoreNotice text={state.notice} storeId={state.storeId} />;
}

function StoreNotice({ text, storeId }: { text: string; storeId: string }) {
  const store = useStore(storeId);
  const location = useLocation();
  const navigate = useNavigate();
  const settled = store.data !== undefined && !isChanging(store.data.status);
  useEffect(() => {
    // Dropped from the history entry too, so Back or a reload does not bring it back.
    if (settled) void navigate(location, { replace: true, state: null });
  }, [settled, navigate, location]);
  return settled ? null : <Notice text={text} />;
}

function Notice({ text }: { text: string }) {
  return (
    <p className="notice notice-success" role="status">
      {text}
    </p>
  );
}
