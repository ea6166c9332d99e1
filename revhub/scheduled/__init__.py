"""The hub's periodic finance work, run by the scheduler of ``revhub serve`` / ``revhub worker``:
reminders sent in business hours, key figures written to Salesforce, deferred-revenue journals
posted to Xero. Each job runs under a database lease (``revhub.sync.lease``), so however many
processes share the store, one of them does the work; each is idempotent, so a rerun (the next
tick, a restart, a second worker that takes the lease later) changes nothing that is done."""
