"""Day-2 operations on stores: suspend, resume, repair (reconcile), and diagnostics."""
