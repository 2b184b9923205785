"""Every write of organisational life, one module per thing written: `records` (activity
records, their attendance and files, the review flow), `joint` (partner branches' consent),
`service_ledgers` (服务台账 and their evidence), `reminders` and `alerts` (the notices the
scheduled tasks send)."""
