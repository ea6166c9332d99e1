"""The Task sObject (an activity): Salesforce's own fields, plus the custom fields the package
declares on Activity (in SFDX source, custom activity fields live in ``objects/Activity`` and
appear on Task and Event alike).

https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_task.htm
Simplified: WhatId refers to an Account only (in Salesforce it is polymorphic), WhoId to a Contact.
"""

from __future__ import annotations

from revhub.sandbox.salesforce import metadata

ACTIVITY = "Activity"
TASK_STATUSES = ("Not Started", "In Progress", "Completed", "Waiting on someone else", "Deferred")
PRIORITIES = ("High", "Normal", "Low")
SUBTYPES = ("Task", "Email", "ListEmail", "Cadence", "Call", "LinkedIn")


def task_entry(package: metadata.Package, custom_field) -> tuple:
    """The ``(name, prefix, label, fields, extra)`` entry of Task for ``schema._build``."""
    from revhub.sandbox.salesforce.schema import _OWNER, FieldDef, _f, _ref, _ro

    fields: tuple[FieldDef, ...] = (
        _f("Subject", "string", label="Subject"),
        _ref("WhatId", "Account", "What", label="Related To ID"),
        _ref("WhoId", "Contact", "Who", label="Name ID"),
        _f("ActivityDate", "date", label="Due Date Only"),
        _f("Status", "picklist", values=TASK_STATUSES),
        _f("Priority", "picklist", values=PRIORITIES),
        _f("Description", "textarea", label="Description"),
        _f("TaskSubtype", "picklist", label="Task Subtype", values=SUBTYPES, updateable=False),
        _f("Type", "picklist"),
        _ro("IsClosed", "boolean", label="Closed"),
        _OWNER,
    )
    spec = package.objects.get(ACTIVITY)
    extra = tuple(custom_field(f) for f in spec.fields) if spec else ()
    return ("Task", "00T", "Task", fields + extra, {})
