"""The receivables and subscription reports in the console: ageing, DSO, MRR and deferred
revenue, each as a chart and a table whose every figure opens the records behind it, and every
table as CSV (``?format=csv``). The figures come from ``revhub.reports`` over the same store
inputs as ``revhub report``, so the console and the CLI never disagree."""

from __future__ import annotations

from flask import Blueprint, render_template

from revhub.console.access import require_role
from revhub.console.report_tables import Cell, Table, answer, arg, as_of, link, major, money_cell, month_arg, period
from revhub.reports import drilldown
from revhub.reports.mrr import mrr
from revhub.reports.receivables import BUCKETS, ageing, disputed, dso, on_time_rate, outstanding
from revhub.reports.recognition import schedule
from revhub.reports.store_inputs import customer_names, disputes, receivables, recurring, service_lines

reports_pages = Blueprint("reports_pages", __name__)


@reports_pages.get("/reports")
@require_role("viewer")
def index():
    return render_template("reports_index.html")


@reports_pages.get("/reports/ageing")
@require_role("viewer")
def ageing_page():
    def build(s):
        on = as_of()
        rows, names = ageing(receivables(s), on), customer_names(s)
        table = Table(["Customer", "Currency", *BUCKETS, "Total"])
        totals: dict[str, dict[str, int]] = {}
        for r in rows:
            drill = {b: link("/reports/ageing/invoices", customer=r.customer, currency=r.currency, bucket=b,
                             as_of=on.isoformat()) for b in BUCKETS}
            table.rows.append([Cell(names.get(r.customer, r.customer), href=f"/records/customer/{r.customer}"),
                               Cell(r.currency), *(money_cell(r.buckets[b], r.currency, drill[b]) for b in BUCKETS),
                               money_cell(r.total, r.currency)])
            for b in BUCKETS:
                totals.setdefault(r.currency, dict.fromkeys(BUCKETS, 0))[b] += r.buckets[b]
        chart = {"type": "bar", "labels": list(BUCKETS), "stacked": False,
                 "datasets": [{"label": cur, "data": [major(v[b], cur) for b in BUCKETS]}
                              for cur, v in sorted(totals.items())]}
        return table, chart, {}
    return answer("Receivables ageing", build, "ageing", form={"as_of": "Age on (YYYY-MM-DD)"},
                  intro="Outstanding per customer and currency by days past due. Open a figure for its invoices.")


@reports_pages.get("/reports/disputes")
@require_role("viewer")
def disputes_page():
    def build(s):
        on, names = as_of(), customer_names(s)
        table = Table(["Customer", "Currency", "Disputed (undecided)", "Lost in disputes"])
        for r in disputed(disputes(s), on):
            drill = {part: link("/reports/disputes/list", customer=r.customer, currency=r.currency, part=part,
                                as_of=on.isoformat()) for part in ("open", "lost")}
            table.rows.append([Cell(names.get(r.customer, r.customer), href=f"/records/customer/{r.customer}"),
                               Cell(r.currency), money_cell(r.open_minor, r.currency, drill["open"]),
                               money_cell(r.lost_minor, r.currency, drill["lost"])])
        return table, None, {}
    return answer("Disputed amounts", build, "disputes", form={"as_of": "On (YYYY-MM-DD)"},
                  intro="Payments customers' banks took back, per customer and currency: still undecided on the "
                        "day, and lost by then. Open a figure for its disputes.")


@reports_pages.get("/reports/disputes/list")
@require_role("viewer")
def disputes_list():
    def build(s):
        on, customer, currency, part = as_of(), arg("customer"), arg("currency"), arg("part", ("open", "lost"))
        found = disputes(s)
        row = next((r for r in disputed(found, on) if (r.customer, r.currency) == (customer, currency)), None)
        ids = set((row.open_ids if part == "open" else row.lost_ids) if row else ())
        behind = sorted((d for d in found if d.id in ids), key=lambda d: (d.opened_on, d.reference))
        names = customer_names(s)
        table = Table(["Dispute", "Customer", "Opened", "Decided", "Amount", "Currency"])
        for d in behind:
            table.rows.append([Cell(d.reference, href=f"/records/dispute/{d.id}"),
                               Cell(names.get(d.customer, d.customer)), Cell(d.opened_on.isoformat()),
                               Cell(d.closed_on.isoformat() if d.closed_on else "—"),
                               money_cell(d.amount_minor, d.currency), Cell(d.currency)])
        if behind:
            table.rows.append([Cell("Total"), Cell(""), Cell(""), Cell(""),
                               money_cell(sum(d.amount_minor for d in behind), currency), Cell(currency)])
        return table, None, {}
    return answer("Disputes behind a disputed amount", build, "disputes-list", opened_from="/reports/disputes")


@reports_pages.get("/reports/ageing/invoices")
@require_role("viewer")
def ageing_invoices():
    def build(s):
        on, customer, currency = as_of(), arg("customer"), arg("currency")
        wanted = arg("bucket", BUCKETS)
        books = receivables(s)
        row = next((r for r in ageing(books, on) if (r.customer, r.currency) == (customer, currency)), None)
        ids = set(row.invoice_ids[wanted]) if row else set()
        behind = [drilldown.Behind(i.id, i.customer, i.currency, outstanding(i, on))
                  for i in books if i.id in ids]
        return _invoice_table(books, behind, customer_names(s), "Outstanding"), None, {}
    return answer("Invoices behind an ageing figure", build, "ageing-invoices", opened_from="/reports/ageing")


def _invoice_table(books, behind: list[drilldown.Behind], names: dict[str, str], what: str) -> Table:
    by_id = {b.id: b for b in books}
    table = Table(["Invoice", "Customer", "Issued", "Due", "Total", what, "Currency"])
    for b in sorted(behind, key=lambda x: (by_id[x.record_id].due_date, by_id[x.record_id].number or "")):
        inv = by_id[b.record_id]
        table.rows.append([Cell(inv.number or inv.id, href=f"/records/invoice/{inv.id}"),
                           Cell(names.get(inv.customer, inv.customer)), Cell(inv.issue_date.isoformat()),
                           Cell(inv.due_date.isoformat()), money_cell(inv.total_minor, inv.currency),
                           money_cell(b.amount_minor, inv.currency), Cell(inv.currency)])
    total = sum(b.amount_minor for b in behind)
    if behind:
        currency = behind[0].currency
        table.rows.append([Cell("Total"), Cell(""), Cell(""), Cell(""), Cell(""), money_cell(total, currency),
                           Cell(currency)])
    return table


@reports_pages.get("/reports/dso")
@require_role("viewer")
def dso_page():
    def build(s):
        first, last = period()
        books = receivables(s)
        table = Table(["Month", "Currency", "Receivables", "Credit sales", "DSO (days)", "Paid on time"])
        series: dict[str, list[float | None]] = {}
        months = []
        for r in dso(books, first, last):
            start, end = drilldown.month_bounds(r.month)
            on_time = on_time_rate([b for b in books if b.currency == r.currency], start, end)
            table.rows.append([
                Cell(r.month), Cell(r.currency),
                money_cell(r.receivables_minor, r.currency, link("/reports/dso/invoices", month=r.month,
                                                                 currency=r.currency, part="receivables")),
                money_cell(r.credit_sales_minor, r.currency, link("/reports/dso/invoices", month=r.month,
                                                                  currency=r.currency, part="sales")),
                Cell("n/a" if r.dso is None else str(r.dso), r.dso, num=True),
                Cell("n/a" if on_time.rate is None else f"{on_time.rate}%", on_time.rate, num=True)])
            if r.month not in months:
                months.append(r.month)
            series.setdefault(r.currency, []).append(None if r.dso is None else float(r.dso))
        chart = {"type": "line", "labels": months,
                 "datasets": [{"label": f"DSO {cur}", "data": v} for cur, v in sorted(series.items())]}
        return table, chart, {}
    return answer("Days sales outstanding", build, "dso", form={"period": "Months (YYYY-MM[:YYYY-MM])"},
                  intro="Standard method: receivables at the month's end ÷ credit sales in the month × its days.")


@reports_pages.get("/reports/dso/invoices")
@require_role("viewer")
def dso_invoices():
    def build(s):
        month, currency, part = month_arg(), arg("currency"), arg("part", ("receivables", "sales"))
        books = receivables(s)
        behind = (drilldown.receivables_at if part == "receivables" else drilldown.sales_in)(books, month, currency)
        return _invoice_table(books, behind, customer_names(s), "Owed at month end" if part == "receivables"
                              else "Invoiced"), None, {}
    return answer("Invoices behind a DSO figure", build, "dso-invoices", opened_from="/reports/dso")


@reports_pages.get("/reports/mrr")
@require_role("viewer")
def mrr_page():
    def build(s):
        first, last = period()
        rows = mrr(recurring(s), first, last)
        table = Table(["Month", "Currency", "MRR", "ARR", "New", "Expansion", "Contraction", "Churned", "Customers"])
        series: dict[str, list[float]] = {}
        months: list[str] = []
        for r in rows:
            sources = link("/reports/mrr/sources", month=r.month, currency=r.currency)
            moves = link("/reports/mrr/movements", month=r.month, currency=r.currency)
            table.rows.append([Cell(r.month), Cell(r.currency), money_cell(r.mrr_minor, r.currency, sources),
                               money_cell(r.arr_minor, r.currency, sources),
                               *(money_cell(v, r.currency, moves) for v in (r.new_minor, r.expansion_minor,
                                                                            r.contraction_minor, r.churned_minor)),
                               Cell(str(r.customers), r.customers, sources, True)])
            if r.month not in months:
                months.append(r.month)
            series.setdefault(r.currency, []).append(major(r.mrr_minor, r.currency))
        chart = {"type": "line", "labels": months,
                 "datasets": [{"label": f"MRR {cur}", "data": v} for cur, v in sorted(series.items())]}
        return table, chart, {}
    return answer("Monthly recurring revenue", build, "mrr", form={"period": "Months (YYYY-MM[:YYYY-MM])"},
                  intro="What is active on each month's last day (approved POs' subscription periods and the "
                        "processor's subscriptions), and the movements against the month before.")


@reports_pages.get("/reports/mrr/sources")
@require_role("viewer")
def mrr_sources():
    def build(s):
        from sqlalchemy import select

        from revhub.store import PurchaseOrder

        month, currency = month_arg(), arg("currency")
        behind = drilldown.recurring_at(recurring(s), month, currency)
        pos = {str(i) for i in s.scalars(select(PurchaseOrder.id))}
        names = customer_names(s)
        table = Table(["Source", "Customer", "Monthly", "Currency"])
        for b in sorted(behind, key=lambda x: (names.get(x.customer, ""), x.record_id)):
            href = f"/purchase-orders/{b.record_id}" if b.record_id in pos else f"/records/subscription/{b.record_id}"
            table.rows.append([Cell("PO" if b.record_id in pos else "subscription", href=href),
                               Cell(names.get(b.customer, b.customer)), money_cell(b.amount_minor, currency),
                               Cell(currency)])
        table.rows.append([Cell("Total"), Cell(""), money_cell(sum(b.amount_minor for b in behind), currency),
                           Cell(currency)])
        return table, None, {}
    return answer("POs and subscriptions behind a month's MRR", build, "mrr-sources", opened_from="/reports/mrr")


@reports_pages.get("/reports/mrr/movements")
@require_role("viewer")
def mrr_movements():
    def build(s):
        month, currency = month_arg(), arg("currency")
        names = customer_names(s)
        table = Table(["Customer", "Movement", "Before", "After", "Change", "Currency"])
        for m in drilldown.movements(recurring(s), month, currency):
            table.rows.append([Cell(names.get(m.customer, m.customer), href=f"/records/customer/{m.customer}"),
                               Cell(m.kind), money_cell(m.before_minor, currency), money_cell(m.after_minor, currency),
                               money_cell(m.after_minor - m.before_minor, currency), Cell(currency)])
        return table, None, {}
    return answer("MRR movements per customer", build, "mrr-movements", opened_from="/reports/mrr")


@reports_pages.get("/reports/deferred")
@require_role("viewer")
def deferred_page():
    def build(s):
        first, last = period()
        rows, names = schedule(service_lines(s), first, last), customer_names(s)
        table = Table(["Month", "Customer", "Currency", "Invoiced", "Recognised", "Deferred balance"])
        recognised: dict[str, dict[str, int]] = {}
        for r in rows:
            drill = link("/reports/deferred/lines", month=r.month, customer=r.customer, currency=r.currency)
            table.rows.append([Cell(r.month), Cell(names.get(r.customer, r.customer)), Cell(r.currency),
                               money_cell(r.invoiced_minor, r.currency),
                               money_cell(r.recognised_minor, r.currency, drill),
                               money_cell(r.deferred_balance_minor, r.currency)])
            per = recognised.setdefault(r.currency, {})
            per[r.month] = per.get(r.month, 0) + r.recognised_minor
        months = sorted({m for per in recognised.values() for m in per})
        chart = {"type": "bar", "labels": months,
                 "datasets": [{"label": f"Recognised {cur}", "data": [major(per.get(m, 0), cur) for m in months]}
                              for cur, per in sorted(recognised.items())]}
        return table, chart, {}
    return answer("Deferred revenue", build, "deferred", form={"period": "Months (YYYY-MM[:YYYY-MM])"},
                  intro="Each invoice line's service period recognised straight-line by day; open a recognised "
                        "figure for the invoice lines behind it.")


@reports_pages.get("/reports/deferred/lines")
@require_role("viewer")
def deferred_lines():
    def build(s):
        month, customer, currency = month_arg(), arg("customer"), arg("currency")
        behind = drilldown.recognised_in(service_lines(s), month, customer, currency)
        table = Table(["Invoice", "Recognised in the month", "Currency"])
        for b in behind:
            table.rows.append([Cell(b.record_id, href=f"/records/invoice/{b.record_id}"),
                               money_cell(b.amount_minor, currency), Cell(currency)])
        table.rows.append([Cell("Total"), money_cell(sum(b.amount_minor for b in behind), currency), Cell(currency)])
        return table, None, {}
    return answer("Invoice lines behind recognised revenue", build, "deferred-lines", opened_from="/reports/deferred")
