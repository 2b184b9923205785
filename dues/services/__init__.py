"""Writes of the dues ledger: assessments, payments (one, or a month for a whole branch),
remittances, expenses and their review. Each checks who may act and the rules, and writes
everything or nothing; a broken rule is a Chinese ValidationError."""
