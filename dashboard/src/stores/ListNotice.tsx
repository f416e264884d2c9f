import { useLocation } from "react-router";

/**
 * What a page leaves in the navigation state when it sends people back to the store list, for
 * the list to announce there (the create form: "requested"; the delete dialog: "deleting").
 */
export interface ListNoticeState {
  notice: string;
}

/** The announcement another page left for the store list, if any. */
export function ListNotice() {
  const location = useLocation();
  const notice = (location.state as ListNoticeState | null)?.notice;
  if (!notice) return null;
  return (
    <p className="notice notice-success" role="status">
      {notice}
    </p>
  );
}
