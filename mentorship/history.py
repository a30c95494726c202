"""Change history for the pages: who changed what and when, read from django-simple-history's records.

The selectors (``pairing_history``, ``person_history``) choose the records and the fields worth showing;
this module turns consecutive records of one object into entries with their field changes. Diffs run in
memory (``diff_against`` on plain fields); the names behind changed foreign keys are read with one query
per related model, so a page pays a fixed number of queries however long the history.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import models
from django.utils import formats
from django.utils.translation import gettext_lazy as _

EMPTY = "—"

ACTIONS = {"+": _("created"), "~": _("changed"), "-": _("deleted")}


@dataclass
class FieldChange:
    label: str
    old: str
    new: str


@dataclass
class ChangeEntry:
    """One historical record: when, who, what kind of change, on which object, and the fields it changed."""

    when: datetime
    who: object | None
    action: str
    subject: str
    changes: list[FieldChange] = field(default_factory=list)
    reason: str = ""

    @property
    def action_label(self) -> str:
        return str(ACTIONS.get(self.action, self.action))


@dataclass
class _PendingChange:
    entry: ChangeEntry
    model_field: models.Field
    old: object
    new: object


def change_entries(
    records: Iterable,
    *,
    fields: Sequence[str],
    subject: Callable[[object], str] = lambda record: "",
    limit: int = 20,
) -> list[ChangeEntry]:
    """The latest ``limit`` changes among ``records`` (historical records of one model, any order), newest first.

    Records are paired with the previous record of the same object; a change with nothing visible in
    ``fields`` (an m2m edit, a save without changes) is left out. The oldest record of an object in a
    window that does not reach its creation only serves as the base of the next one.
    """
    by_object: dict[object, list] = defaultdict(list)
    for record in records:
        by_object[record.id].append(record)
    pending: list[_PendingChange] = []
    entries: list[ChangeEntry] = []
    for object_records in by_object.values():
        object_records.sort(key=lambda r: (r.history_date, r.history_id))
        previous = None
        for record in object_records:
            entry = ChangeEntry(
                when=record.history_date,
                who=record.history_user,
                action=record.history_type,
                subject=subject(record),
                reason=record.history_change_reason or "",
            )
            if record.history_type == "~":
                if previous is None:
                    previous = record
                    continue
                delta = record.diff_against(previous, included_fields=fields)
                if not delta.changes:
                    previous = record
                    continue
                for change in delta.changes:
                    model_field = record.instance_type._meta.get_field(change.field)
                    pending.append(_PendingChange(entry, model_field, change.old, change.new))
            entries.append(entry)
            previous = record
    entries.sort(key=lambda e: e.when, reverse=True)
    entries = entries[:limit]
    kept = {id(entry) for entry in entries}
    _describe([p for p in pending if id(p.entry) in kept])
    return entries


def _describe(pending: list[_PendingChange]) -> None:
    """Fill in each entry's changes as readable text, naming foreign keys with one query per related model."""
    wanted: dict[type[models.Model], set] = defaultdict(set)
    for change in pending:
        if change.model_field.is_relation:
            wanted[change.model_field.related_model].update(v for v in (change.old, change.new) if v is not None)
    names = {
        model: {obj.pk: str(obj) for obj in model._default_manager.filter(pk__in=ids)}
        for model, ids in wanted.items()
        if ids
    }
    for change in pending:
        change.entry.changes.append(
            FieldChange(
                label=str(change.model_field.verbose_name),
                old=_display(change.model_field, change.old, names),
                new=_display(change.model_field, change.new, names),
            )
        )


def _display(model_field: models.Field, value: object, names: dict) -> str:
    if value is None or value == "":
        return EMPTY
    if model_field.is_relation:
        return names.get(model_field.related_model, {}).get(value, f"#{value}")
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if isinstance(value, datetime):
        return formats.date_format(value, "Y-m-d H:i")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)
