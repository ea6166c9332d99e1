"""Console pages for reminders (plan, sent, schedule, pauses), approval thresholds and the
demo's mailbox (what the local SMTP server received)."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from revhub.console.access import current_actor, current_role, require_role, role_allows
from revhub.dunning import payment_failed, schedule
from revhub.dunning.pauses import CustomerNotFound, set_paused
from revhub.dunning.planner import plan
from revhub.mail import mailbox
from revhub.orders import approvals
from revhub.store import Customer, Invoice, Reminder, utcnow

dunning_pages = Blueprint("dunning_pages", __name__)


def _db():
    from revhub.app import get_db

    return get_db()


def _day() -> tuple[date, str | None]:
    raw = (request.args.get("date") or "").strip()
    if not raw:
        return utcnow().date(), None
    try:
        return date.fromisoformat(raw), None
    except ValueError:
        return utcnow().date(), f"date: {raw!r} is not a date (YYYY-MM-DD); showing today"


@dunning_pages.get("/reminders")
@require_role("viewer")
def reminders(errors: dict | None = None, status: int = 200):
    day, date_error = _day()
    with _db().session() as s:
        items = plan(s, day) + payment_failed.plan(s, utcnow())
        sent = s.execute(select(Reminder, Invoice.number).join(Invoice, Invoice.id == Reminder.invoice_id)
                         .order_by(Reminder.created_at.desc()).limit(50)).all()
        paused = list(s.scalars(select(Customer).where(Customer.dunning_paused.is_(True)).order_by(Customer.name)))
        steps = schedule.schedule(s)
    errors = {**(errors or {}), **({"date": date_error} if date_error else {})}
    return render_template("reminders.html", day=day, items=items, sent=sent, paused=paused, steps=steps,
                           tones=schedule.TONES, errors=errors,
                           may_edit=role_allows(current_role(), "admin"), form=request.form), status


@dunning_pages.post("/reminders/schedule")
@require_role("admin")
def edit_schedule():
    form = request.form
    try:
        with _db().session(write=True) as s:
            if form.get("remove"):
                if not schedule.remove_step(s, form.get("payment_terms", ""), form.get("offset_days", "")):
                    raise schedule.ScheduleError("offset_days: no such step")
            else:
                schedule.set_step(s, form.get("payment_terms", ""), form.get("offset_days", ""), form.get("tone", ""))
    except schedule.ScheduleError as exc:
        field, _, message = str(exc).partition(": ")
        return reminders(errors={field: message}, status=400)
    flash("Schedule saved.")
    return redirect(url_for("dunning_pages.reminders"))


@dunning_pages.post("/reminders/pause")
@require_role("admin")
def pause():
    resume = request.form.get("resume") == "1"
    try:
        with _db().session(write=True) as s:
            name = set_paused(s, (request.form.get("customer") or "").strip(), paused=not resume, actor=current_actor())
    except CustomerNotFound as exc:
        return reminders(errors={"customer": str(exc).partition(": ")[2]}, status=400)
    flash(f"Reminders {'resumed' if resume else 'paused'} for {name}.")
    return redirect(url_for("dunning_pages.reminders"))


@dunning_pages.get("/approvals/thresholds")
@require_role("viewer")
def thresholds(errors: dict | None = None, status: int = 200):
    with _db().session() as s:
        rows = approvals.thresholds(s)
    return render_template("thresholds.html", rows=rows, errors=errors or {}, form=request.form,
                           may_edit=role_allows(current_role(), "admin")), status


@dunning_pages.post("/approvals/thresholds")
@require_role("admin")
def edit_thresholds():
    form = request.form
    try:
        with _db().session(write=True) as s:
            if form.get("remove"):
                approvals.remove_threshold(s, form.get("currency", ""), actor=current_actor())
            else:
                approvals.set_threshold(s, form.get("currency", ""), form.get("approver_above", ""),
                                        form.get("finance_lead_above") or None, actor=current_actor())
    except approvals.ThresholdError as exc:
        field, _, message = str(exc).partition(": ")
        return thresholds(errors={field: message}, status=400)
    flash("Thresholds saved.")
    return redirect(url_for("dunning_pages.thresholds"))


def _mailbox_dir():
    return mailbox.mailbox_dir(current_app.config["REVHUB"].home)


@dunning_pages.get("/mailbox")
@require_role("admin")
def mailbox_page():
    return render_template("mailbox.html", mails=mailbox.read(_mailbox_dir(), limit=200), directory=_mailbox_dir())


@dunning_pages.get("/mailbox/<key>")
@require_role("admin")
def mail(key: str):
    found = next((m for m in mailbox.read(_mailbox_dir()) if m.key == key), None)
    if found is None:
        abort(404)
    return render_template("mail.html", mail=found)
