"""The statuses a store can have, as the API names them; ``woo stores wait --for`` and
``--status`` accept only these, so a typo fails at once instead of waiting out the timeout.
(tests/cli checks this list against the API's schema.)"""

from __future__ import annotations

STORE_STATUSES = (
    "Provisioning",
    "Ready",
    "Degraded",
    "Failed",
    "Deleting",
    "Deleted",
    "Suspended",
)
# Where `wait` stops early: the store will not get to the status waited for by itself.
FAILURE_STATUSES = frozenset({"Failed"})
