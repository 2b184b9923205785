"""The cockpit's print page (portal:cockpit-print) addresses no object: it shows the user's own
subtree, walked with the pages without ids."""

MODELS = {"cockpit"}
