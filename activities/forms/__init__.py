"""Forms of organisational life, one module per screen family: `records` (activity records
and their list's filters), `service_ledgers`, `rules` (frequency rules and exemptions)."""
