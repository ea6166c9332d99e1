"""Planning a PO's Purchase_Order_Line__c writes: pure, so every rule is checked without an org."""

from __future__ import annotations

from decimal import Decimal

from revhub.connectors.salesforce import normalize
from revhub.connectors.salesforce.lines import LINE_KEY, echoed, line_fields, plan_lines

PO = "0190a6f0-0000-7000-8000-000000000001"
LINES = [
    {"position": 1, "product_id": None, "description": "Platform licence", "quantity": 3,
     "unit_amount_minor": 3333, "amount_minor": 9999, "tax_code": "NL_VAT_21", "tax_minor": 2100},
    {"position": 2, "product_id": None, "description": "Training book", "quantity": 2,
     "unit_amount_minor": 1005, "amount_minor": 2010, "tax_code": "NL_VAT_9", "tax_minor": 181},
]


def in_salesforce(line: dict, position: int, *, keyed: bool = True) -> dict:
    """The line as Salesforce holds it once revhub wrote it (numbers as JSON gives them)."""
    fields = line_fields(line, "EUR")
    return {"Id": f"a01{position:015d}", LINE_KEY: f"{PO}:{position}" if keyed else None,
            **{k: float(v) if isinstance(v, Decimal) else v for k, v in fields.items()}}


def test_lines_salesforce_already_holds_need_no_write():
    plan = plan_lines(PO, "a00X", LINES, "EUR", [in_salesforce(ln, i) for i, ln in enumerate(LINES, 1)])
    assert (plan.creates, plan.updates, plan.deletes) == ([], [], [])


def test_a_changed_line_is_updated_with_only_the_fields_that_differ():
    changed = [LINES[0], {**LINES[1], "quantity": 5, "tax_minor": 452}]
    plan = plan_lines(PO, "a00X", changed, "EUR", [in_salesforce(ln, i) for i, ln in enumerate(LINES, 1)])
    assert plan.updates == [{"Id": "a01000000000000002", "Quantity__c": 5, "Tax_Amount__c": Decimal("4.52")}]
    assert (plan.creates, plan.deletes) == ([], [])


def test_a_new_line_is_created_under_its_po_with_its_external_id():
    plan = plan_lines(PO, "a00X", LINES, "EUR", [in_salesforce(LINES[0], 1)])
    [create] = plan.creates
    assert (create[LINE_KEY], create["Purchase_Order__c"], create["Unit_Price__c"]) == (
        f"{PO}:2", "a00X", Decimal("10.05"))


def test_a_line_revhub_wrote_and_no_longer_has_is_deleted():
    plan = plan_lines(PO, "a00X", LINES[:1], "EUR", [in_salesforce(ln, i) for i, ln in enumerate(LINES, 1)])
    assert (plan.updates, plan.deletes) == ([], ["a01000000000000002"])


def test_lines_a_user_entered_are_claimed_in_order_and_stamped_and_unread_ones_left_alone():
    existing = [in_salesforce(ln, i, keyed=False) for i, ln in enumerate(LINES, 1)]
    existing.append({**existing[1], "Id": "a01000000000000003"})  # added since revhub last read the PO
    plan = plan_lines(PO, "a00X", LINES, "EUR", existing)
    assert plan.updates == [{"Id": "a01000000000000001", LINE_KEY: f"{PO}:1"},
                            {"Id": "a01000000000000002", LINE_KEY: f"{PO}:2"}]
    assert (plan.creates, plan.deletes) == ([], [])


def test_the_echo_of_written_lines_reads_back_as_the_base_revhub_keeps():
    read = []
    for i, line in enumerate(LINES, 1):
        record = in_salesforce(line, i)
        record["Total_Price__c"] = record["Quantity__c"] * Decimal(str(record["Unit_Price__c"]))
        read.append({**normalize.purchase_order_line(record, "EUR"), "position": i})
    assert read == echoed(LINES)
