"""Writing the lines of the POs just written: read what each PO has, then upserts, updates and
deletes in sObject collections of up to 200 records, across POs.

A PO's write is done only when its lines are: a line refused makes the PO's message retry
(or a dead letter with Salesforce's own message), and the retry converges on the same lines,
because creates upsert on the line's external id.
https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_composite_sobjects_collections.htm
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Protocol

from revhub.connectors.salesforce.lines import LINE_KEY, LINE_OBJECT, PARENT, READ_FIELDS, plan_lines
from revhub.mappings.writes import WriteItem

BATCH = 200
QUERY_IDS = 200
# An id deleted a moment ago (a retry of a delete that went through) is already what we want.
GONE = {"ENTITY_IS_DELETED", "INVALID_CROSS_REFERENCE_KEY"}


class CollectionWriter(Protocol):
    def collection(self, method: str, path: str, records: list[dict] | None = None,
                   params: dict | None = None) -> list[dict[str, Any]]: ...

    def only_changeable(self, sobject: str, fields: dict[str, Any], *, creating: bool) -> dict[str, Any]: ...

    def query_all_pages(self, soql: str) -> list[dict[str, Any]]: ...


def _quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def existing_lines(writer: CollectionWriter, po_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    """The live lines of each Salesforce PO, in Id order (the order the connector reads them in)."""
    found: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for start in range(0, len(po_ids), QUERY_IDS):
        ids = ", ".join(_quote(i) for i in po_ids[start:start + QUERY_IDS])
        soql = (f"SELECT {', '.join(READ_FIELDS)} FROM {LINE_OBJECT} WHERE {PARENT} IN ({ids}) "
                f"ORDER BY {PARENT} ASC, Id ASC")
        for line in writer.query_all_pages(soql):
            if not line.get("IsDeleted"):
                found[line[PARENT]].append(line)
    return found


def write_lines(writer: CollectionWriter, written: list[tuple[WriteItem, str]]) -> dict[int, list[dict]]:
    """Bring each written PO's lines in Salesforce to its canonical lines.

    ``written`` is (item, Salesforce PO id). Returns, per message id, the errors Salesforce gave
    for its lines (an empty list: all done).
    """
    have = existing_lines(writer, [sf_id for _item, sf_id in written])
    creates: list[tuple[int, dict]] = []
    updates: list[tuple[int, dict]] = []
    deletes: list[tuple[int, str]] = []
    for item, sf_id in written:
        plan = plan_lines(item.record_id, sf_id, item.record.get("lines") or [], item.record["currency"],
                          have.get(sf_id, []))
        creates += [(item.message_id, writer.only_changeable(LINE_OBJECT, r, creating=True) | {LINE_KEY: r[LINE_KEY]})
                    for r in plan.creates]
        updates += [(item.message_id, writer.only_changeable(LINE_OBJECT, r, creating=False) | {"Id": r["Id"]})
                    for r in plan.updates]
        deletes += [(item.message_id, i) for i in plan.deletes]
    errors: dict[int, list[dict]] = {item.message_id: [] for item, _ in written}
    for start in range(0, len(creates), BATCH):
        _answered(errors, creates[start:start + BATCH], writer.collection(
            "PATCH", f"composite/sobjects/{LINE_OBJECT}/{LINE_KEY}", _typed(creates[start:start + BATCH])))
    for start in range(0, len(updates), BATCH):
        _answered(errors, updates[start:start + BATCH], writer.collection(
            "PATCH", "composite/sobjects", _typed(updates[start:start + BATCH])))
    for start in range(0, len(deletes), BATCH):
        batch = deletes[start:start + BATCH]
        answers = writer.collection("DELETE", "composite/sobjects",
                                    params={"ids": ",".join(i for _m, i in batch), "allOrNone": "false"})
        _answered(errors, batch, answers, tolerate=GONE)
    return errors


def _typed(batch: list[tuple[int, dict]]) -> list[dict]:
    return [{"attributes": {"type": LINE_OBJECT}, **record} for _m, record in batch]


def _answered(errors: dict[int, list[dict]], batch: list[tuple[int, Any]], answers: list[dict],
              tolerate: frozenset[str] | set[str] = frozenset()) -> None:
    for (message_id, _record), answer in zip(batch, answers, strict=True):
        if answer.get("success"):
            continue
        refused = [e for e in answer.get("errors") or [{}] if e.get("statusCode") not in tolerate]
        errors[message_id] += refused
