"""What every API endpoint shares: scoped relations, error translation, the OpenAPI error responses."""

from __future__ import annotations

import functools
from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.db.models import ProtectedError, QuerySet
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import exceptions, serializers
from rest_framework.filters import SearchFilter
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from programs.selectors import is_hr_staff


class StringsOnly:
    """Text fields take JSON strings only: a number sent for a name is a client error, not a name."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class CharField(StringsOnly, serializers.CharField):
    pass


class EmailField(StringsOnly, serializers.EmailField):
    pass


class SlugField(StringsOnly, serializers.SlugField):
    pass


class ModelSerializer(serializers.ModelSerializer):
    """The project's model serializer: strict text fields, and lists that work out their fields once."""

    serializer_field_mapping = serializers.ModelSerializer.serializer_field_mapping | {
        models.CharField: CharField,
        models.TextField: CharField,
        models.EmailField: EmailField,
        models.SlugField: SlugField,
    }

    @cached_property
    def _readable_fields(self):
        # DRF walks every field again for each row of a list; the serializer's fields do not change between rows.
        return [field for field in self.fields.values() if not field.write_only]


class RowsList:
    """A list endpoint that answers from database rows rather than model instances.

    The serializer still says what a row looks like: each readable field is read from one column of
    ``values()`` and passed through the field's own ``to_representation``, so a list row is what the
    serializer would give for the same object, without building model instances and walking DRF's
    attribute lookups for every cell. A field that cannot be read from one column (nested, method or
    dotted fields) is a configuration error, found on the first request. Fields computed elsewhere
    name their column with a ``row_column`` attribute (an annotation of the list's queryset). The
    reading is worked out once per serializer class, so the list's fields must not vary by request.
    """

    def list(self, request, *args, **kwargs):
        columns, represent = row_reader(self.get_serializer_class())
        rows = self.filter_queryset(self.get_queryset()).values(*columns)
        page = self.paginate_queryset(rows)
        if page is None:
            return Response([represent(row) for row in rows])
        return self.get_paginated_response([represent(row) for row in page])


@functools.cache
def row_reader(serializer_class) -> tuple[list[str], Callable[[dict], dict]]:
    """The columns a serializer's readable fields come from, and a function from such a row to its representation."""
    plan = [
        (name, *_column_of(serializer_class, name, field))
        for name, field in serializer_class().fields.items()
        if not field.write_only
    ]

    def represent(row: dict) -> dict:
        result = {}
        for name, column, convert in plan:
            value = row[column]
            result[name] = value if value is None or convert is None else convert(value)
        return result

    return [column for _, column, _ in plan], represent


def _column_of(serializer_class, name: str, field) -> tuple[str, Callable | None]:
    """The column a field reads, and the conversion of its value (None: the value as it is)."""
    if getattr(field, "row_column", None):
        return field.row_column, None
    model_fields = {f.name: f for f in serializer_class.Meta.model._meta.concrete_fields}
    model_field = model_fields.get(field.source) if len(field.source_attrs) == 1 else None
    if model_field is not None and model_field.is_relation:
        if isinstance(field, serializers.PrimaryKeyRelatedField) and field.pk_field is None:
            return model_field.attname, None
    elif model_field is not None:
        return model_field.attname, field.to_representation
    raise ImproperlyConfigured(f"{serializer_class.__name__}.{name} cannot be read from one column.")


class HRStaffWritesOnly(BasePermission):
    """Anyone signed in reads what their scope shows; only HR staff and superusers change it."""

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return False
        return request.method in SAFE_METHODS or is_hr_staff(user)


class HRStaffOnly(BasePermission):
    """HR staff and superusers only: mentors and mentees have no business with people lists, programs,
    enrolments, match runs, reports, imports or exports (their own pairings are elsewhere)."""

    def has_permission(self, request, view):
        return is_hr_staff(request.user)


class NoBlankRelation:
    """DRF turns an empty string into null for relations; here it is an error (send null for none)."""

    def run_validation(self, data=serializers.empty):
        if data == "":
            raise serializers.ValidationError(_("Send an identifier, or null for none."))
        return super().run_validation(data)


class ScopedPrimaryKeyRelatedField(NoBlankRelation, serializers.PrimaryKeyRelatedField):
    """A foreign key the caller may only point at objects they can see: anything else is a 400.

    ``scope`` is a selector such as ``programs_visible_to``; the model's default manager stays the
    base queryset so the schema knows the related model.
    """

    def __init__(self, *, scope: Callable[[object], QuerySet], **kwargs):
        self.scope = scope
        super().__init__(**kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        return self.scope(request.user if request else None)


class ScopedSlugRelatedField(NoBlankRelation, serializers.SlugRelatedField):
    def __init__(self, *, scope: Callable[[object], QuerySet], **kwargs):
        self.scope = scope
        super().__init__(**kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        return self.scope(request.user if request else None)


def django_errors(error: DjangoValidationError) -> dict | list:
    """A Django ValidationError as DRF field messages (``non_field_errors`` for the rest)."""
    if hasattr(error, "error_dict"):
        return {
            ("non_field_errors" if field == "__all__" else field): messages
            for field, messages in error.message_dict.items()
        }
    return {"non_field_errors": error.messages}


def exception_handler(exc, context):
    """Rules broken in services answer 400 with field messages; deleting what is still used answers 400."""
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(django_errors(exc))
    elif isinstance(exc, ProtectedError):
        exc = exceptions.ValidationError(
            {"non_field_errors": [_("This cannot be deleted while other records refer to it.")]}
        )
    return drf_exception_handler(exc, context)


class StrictFilterBackend(DjangoFilterBackend):
    """Filter sets made from ``filterset_fields`` are strict too: an empty or unknown value is a 400."""

    @property
    def filterset_base(self):
        from programs.filters import FilterSet

        return FilterSet


class NulSafeSearchFilter(SearchFilter):
    """PostgreSQL refuses NUL characters in text: a search term with one simply matches nothing."""

    def get_search_terms(self, request):
        return [term.replace("\x00", "") for term in super().get_search_terms(request)]


def add_error_responses(result, generator, request, public):
    """Document the error answers every operation can give, so clients (and schemathesis) expect them."""
    errors = {
        "400": {"description": "Invalid input: field messages", "content": _json_ref("ValidationErrors")},
        "401": {"description": "Not authenticated", "content": _json_ref("Error")},
        "403": {"description": "Not allowed", "content": _json_ref("Error")},
        "404": {"description": "Not found, or outside your organization", "content": _json_ref("Error")},
        "429": {"description": "Too many requests", "content": _json_ref("Error")},
    }
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components.setdefault("Error", {"type": "object", "properties": {"detail": {"type": "string"}}})
    components.setdefault(
        "ValidationErrors",
        {"type": "object", "additionalProperties": True, "description": "Field name to a list of messages"},
    )
    for path in result.get("paths", {}).values():
        for method, operation in path.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            for status, response in errors.items():
                operation.setdefault("responses", {}).setdefault(status, response)
    return result


def _json_ref(name: str) -> dict:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}}
