"""Reminders and collections: a schedule per payment term, rules that hold a reminder back,
a plan of what goes out today and why, and an idempotent sender (README, "Approvals and reminders")."""
