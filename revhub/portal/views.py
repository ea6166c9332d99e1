"""The customer PO portal: public pages opened by an invitation link (``/portal/<token>``).

Server-rendered, no script (the CSP forbids inline script; the form works without any). A
submission is the API's JSON, validated and submitted by the same code as the API.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from sqlalchemy import select

from revhub.documents import DocumentRefused, sniff
from revhub.documents.records import attach, read
from revhub.orders import service
from revhub.orders.validation import threshold_minor, validate
from revhub.portal import company, i18n
from revhub.portal.form import PortalForm, errors_by_field, field_id
from revhub.portal.invitations import valid
from revhub.store import Customer, Product, PurchaseOrder, PurchaseOrderApproval, PurchaseOrderDocument, utcnow
from revhub.store.audit import audit_context
from revhub.store.commerce import PAYMENT_TERMS
from revhub.tax import TAX_CODES

portal = Blueprint("portal", __name__, url_prefix="/portal")
STEPS = ("received", "approved", "invoiced", "partially_paid", "paid")
_UPLOAD_OVERHEAD = 256 * 1024  # the form fields beside the file


def _db():
    return current_app.extensions["revhub.db"]


def _documents():
    return current_app.extensions["revhub.documents"]


def allow_uploads() -> None:
    """The body limit of portal requests: the app-wide limit suits webhooks (1 MB); a PO scan may be
    up to the document limit. Installed ahead of every other hook, since CSRF protection reads the form first."""
    if request.blueprint == "portal":
        request.max_content_length = _documents().settings.max_bytes + _UPLOAD_OVERHEAD


@portal.errorhandler(413)
def _too_large(_exc):
    # The body was over the limit, so the form could not be read. Say so in words, with a way back.
    limit = _size(_documents().settings.max_bytes)
    language = i18n.language_of(request.args.get("lang"))
    return render_template("portal_link_problem.html", lang=language, t=_t(language), reason="too_large",
                           limit=limit, back=request.path), 413


def _open(session, token: str):
    """The invitation and its customer, or a page saying why the link does not work."""
    invitation, why = valid(session, current_app.config["SECRET_KEY"], token)
    if invitation is None:
        language = i18n.language_of(request.args.get("lang"))
        return None, None, (render_template("portal_link_problem.html", lang=language, t=_t(language),
                                            reason=why), 404 if why == "unknown" else 410)
    return invitation, session.get(Customer, invitation.customer_id), None


def _t(language: str):
    return lambda key, **values: i18n.text(key, language, **values)


def _page(session, token: str, customer: Customer, form: PortalForm, *, errors=None, general=(), status=200,
          file_lost: bool = False):
    language = i18n.language_of(customer.language)
    products = session.scalars(select(Product).where(Product.active.is_(True), Product.sku.is_not(None),
                                                     Product.deleted_at.is_(None)).order_by(Product.name)).all()
    orders = session.scalars(select(PurchaseOrder).where(PurchaseOrder.customer_id == customer.id)
                             .order_by(PurchaseOrder.internal_number.desc()).limit(20)).all()
    translated = {k: i18n.message(v, language) for k, v in (errors or {}).items()}
    return render_template("portal_form.html", token=token, customer=customer, form=form, errors=translated,
                           general=general, products=products, orders=orders, terms=PAYMENT_TERMS,
                           tax_codes=list(TAX_CODES), lang=language, t=_t(language), field_id=field_id,
                           languages=i18n.LANGUAGES, file_lost=file_lost), status


@portal.get("/<token>")
def form_page(token: str):
    with _db().session() as s:
        invitation, customer, problem = _open(s, token)
        if problem:
            return problem
        form = PortalForm.blank(currency=customer.default_currency, payment_terms=customer.default_payment_terms,
                                today=utcnow().date().isoformat())
        form.values.update(company.current(customer))
        return _page(s, token, customer, form)


def _document_error(upload, language: str) -> tuple[bytes | None, str | None]:
    """The uploaded bytes, or the reason (in the customer's language) they are refused."""
    if upload is None or not upload.filename:
        return None, None
    limit = _documents().settings.max_bytes
    data = upload.stream.read(limit + 1)
    try:
        sniff(data, max_bytes=limit)
    except DocumentRefused as exc:
        return None, i18n.text(f"doc_{exc.code}", language, limit=_size(limit))
    return data, None


def _size(n: int) -> str:
    return f"{n / 1048576:g} MB" if n >= 1048576 else f"{n / 1024:g} KB" if n >= 1024 else f"{n} bytes"


@portal.post("/<token>")
def submit(token: str):
    form = PortalForm.from_request(request.form)
    details = company.normalised(request.form)
    form.values.update({k: (request.form.get(k) or "").strip()[:400] for k in company.FIELDS})
    with _db().session(write=True) as s:
        invitation, customer, problem = _open(s, token)
        if problem:
            return problem
        if request.form.get("action") == "add_line":
            return _page(s, token, customer, form.with_spare_line())
        language = i18n.language_of(customer.language)
        upload = request.files.get("document")
        data, doc_error = _document_error(upload, language)
        draft = validate(form.submission(str(customer.id)))
        problems = [(e.field, e.message) for e in draft] if isinstance(draft, list) else []
        if doc_error:
            problems.append(("document", doc_error))
        problems += company.errors(details)
        po = None
        if not problems:
            config = current_app.config["REVHUB"]
            # Nothing of a refused submission is kept, the customer's details included.
            savepoint = s.begin_nested()
            try:
                # The customer's details first: a VAT number given now counts for a reverse-charge line.
                company.apply_company(s, customer, details, actor=f"portal:{invitation.email}")
                po = service.submit(s, draft, actor=f"portal:{invitation.email}",
                                    threshold_minor=threshold_minor(config.approval_threshold, draft.currency))
            except service.IntakeError as exc:
                problems = [(e.field, e.message) for e in exc.errors]
            except service.DuplicatePurchaseOrder as exc:
                problems = [("po_number", str(exc))]
            (savepoint.commit if po is not None else savepoint.rollback)()
        if po is None:
            placed, general = errors_by_field(problems, form)
            return _page(s, token, customer, form, errors=placed, general=general, status=422,
                         file_lost=bool(upload and upload.filename))
        if data is not None:
            attach(s, _documents().store, purchase_order_id=po.id, data=data, filename=upload.filename,
                   uploader=f"portal:{invitation.email}", max_bytes=_documents().settings.max_bytes)
        number = po.internal_number
    return redirect(url_for("portal.status", token=token, number=number, new=1), 303)


@portal.post("/<token>/language")
def set_language(token: str):
    wanted = request.form.get("language")
    with _db().session(write=True) as s:
        invitation, customer, problem = _open(s, token)
        if problem:
            return problem
        if wanted in i18n.LANGUAGES and customer.language != wanted:
            with audit_context(s, actor=f"portal:{invitation.email}", source="portal"):
                customer.language = wanted
    back = request.form.get("back") or ""
    # Only back to a page of this portal link: never an open redirect.
    target = back if back.startswith(f"/portal/{token}") and "//" not in back else url_for("portal.form_page",
                                                                                           token=token)
    return redirect(target, 303)


def _order(session, customer: Customer, number: int) -> PurchaseOrder:
    po = session.scalar(select(PurchaseOrder).where(PurchaseOrder.customer_id == customer.id,
                                                    PurchaseOrder.internal_number == number))
    if po is None:
        abort(404)
    return po


@portal.get("/<token>/orders/<int:number>")
def status(token: str, number: int):
    with _db().session() as s:
        invitation, customer, problem = _open(s, token)
        if problem:
            return problem
        po = _order(s, customer, number)
        language = i18n.language_of(customer.language)
        reached = STEPS.index(po.status) if po.status in STEPS else -1
        reasons = [a.note for a in s.scalars(select(PurchaseOrderApproval).where(
            PurchaseOrderApproval.purchase_order_id == po.id,
            PurchaseOrderApproval.decision.in_(("cancelled", "rejected")))) if a.note]
        return render_template("portal_status.html", token=token, po=po, steps=STEPS, reached=reached,
                               customer=customer, reasons=reasons, new=bool(request.args.get("new")),
                               lang=language, t=_t(language), languages=i18n.LANGUAGES)


@portal.get("/<token>/orders/<int:number>/documents/<document_id>")
def document(token: str, number: int, document_id: str):
    with _db().session() as s:
        invitation, customer, problem = _open(s, token)
        if problem:
            return problem
        po = _order(s, customer, number)
        doc = next((d for d in po.documents if str(d.id) == document_id), None)
        if doc is None:
            abort(404)
        return send_document(doc)


def send_document(doc: PurchaseOrderDocument):
    """A stored document as a download (never rendered inline: a PDF is not our page)."""
    from revhub.documents.storage import DocumentMissing

    try:
        data = read(_documents().store, doc)
    except DocumentMissing:
        abort(404)
    response = current_app.response_class(data, mimetype=doc.content_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{doc.filename}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
