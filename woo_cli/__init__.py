"""``woo``: the operator's command line for woo-platform, on the same HTTP API as the dashboard."""
