"""Forms of the dues ledger: they shape choices to the user's scope and turn input into
values; the rules (and their Chinese refusals) are the services'."""
