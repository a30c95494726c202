"""REST endpoints for report runs, import runs and list exports; scoping as everywhere: others' runs answer 404."""

from __future__ import annotations

import tempfile

from django.http import FileResponse, Http404, StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from mentorship.api import HRStaffOnly, ModelSerializer, ScopedPrimaryKeyRelatedField
from pairings.models import JobStatus
from pairings.selectors import pairings_visible_to
from programs.filters import BooleanFilter, FilterSet
from programs.selectors import enrolments_visible_to, organizations_visible_to, people_visible_to, programs_visible_to

from . import exports, services
from .models import ImportKind, ImportRun, ReportFormat, ReportRun
from .selectors import import_runs_visible_to, report_runs_visible_to

ID = r"\d{1,19}"


class RunViewSet(mixins.CreateModelMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Runs are started, listed and read; they are never edited or deleted through the API."""

    permission_classes = [HRStaffOnly]
    lookup_value_regex = ID


CONTENT_TYPES = {
    ReportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ReportFormat.CSV: "text/csv; charset=utf-8",
    ReportFormat.PDF: "application/pdf",
}


def report_file_response(run: ReportRun) -> FileResponse:
    """The stored file of a finished run, as an attachment; a run without a file is not found."""
    if run.status != JobStatus.SUCCEEDED or not run.file:
        raise Http404
    name = f"report-{run.period_start:%Y%m%d}-{run.period_end:%Y%m%d}.{run.format}"
    return FileResponse(run.file.open("rb"), as_attachment=True, filename=name, content_type=CONTENT_TYPES[run.format])


class ReportRunSerializer(ModelSerializer):
    program = ScopedPrimaryKeyRelatedField(scope=programs_visible_to, required=False, allow_null=True)
    organization = ScopedPrimaryKeyRelatedField(scope=organizations_visible_to, required=False, allow_null=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = ReportRun
        fields = [
            "id",
            "kind",
            "program",
            "organization",
            "period_start",
            "period_end",
            "format",
            "status",
            "progress",
            "error",
            "download_url",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = ["kind", "status", "progress", "error", "created_at", "started_at", "finished_at"]
        # The monthly-report constraint is the jobs' business; on-demand runs may repeat.
        validators = []

    def get_download_url(self, run: ReportRun) -> str | None:
        if run.status != JobStatus.SUCCEEDED or not run.file:
            return None
        return reverse("reportrun-download", args=[run.pk], request=self.context.get("request"))

    def validate(self, attrs):
        if bool(attrs.get("program")) == bool(attrs.get("organization")):
            raise serializers.ValidationError({"program": [_("Choose either a program or an organization.")]})
        if attrs["period_end"] < attrs["period_start"]:
            raise serializers.ValidationError({"period_end": [_("The period cannot end before it starts.")]})
        return attrs


class ReportRunFilter(FilterSet):
    mine = BooleanFilter(method="filter_mine", label="only the runs I started")

    class Meta:
        model = ReportRun
        fields = ["status", "format", "kind", "program", "organization"]

    def filter_mine(self, queryset, name, value):
        return queryset.filter(requested_by=self.request.user) if value else queryset


class ReportRunViewSet(RunViewSet):
    """Reports as background jobs: POST starts one (202), GET shows status, progress and the download link."""

    serializer_class = ReportRunSerializer
    filterset_class = ReportRunFilter
    ordering_fields = ["created_at", "period_start"]
    ordering = ["-created_at"]
    search_fields = []

    def get_queryset(self):
        return report_runs_visible_to(self.request.user)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        run = services.start_report_run(by=request.user, **serializer.validated_data)
        run.refresh_from_db()
        return Response(self.get_serializer(run).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        return report_file_response(self.get_object())


class ImportRunSerializer(ModelSerializer):
    program = ScopedPrimaryKeyRelatedField(scope=programs_visible_to, required=False, allow_null=True)
    file = serializers.FileField(write_only=True)

    class Meta:
        model = ImportRun
        fields = [
            "id",
            "kind",
            "program",
            "file",
            "original_name",
            "status",
            "progress",
            "total_rows",
            "created_count",
            "updated_count",
            "errors",
            "error",
            "created_at",
            "finished_at",
        ]
        read_only_fields = [
            "original_name",
            "status",
            "progress",
            "total_rows",
            "created_count",
            "updated_count",
            "errors",
            "error",
            "created_at",
            "finished_at",
        ]


class ImportRunViewSet(RunViewSet):
    """Upload a CSV or XLSX (multipart): the answer previews every bad row; POST ``confirm/`` writes it."""

    serializer_class = ImportRunSerializer
    parser_classes = [MultiPartParser, FormParser]
    filterset_fields = ["status", "kind", "program"]
    ordering_fields = ["created_at"]
    ordering = ["-created_at"]
    search_fields = ["original_name"]

    def get_queryset(self):
        return import_runs_visible_to(self.request.user)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        run = services.start_import(
            by=request.user, kind=data["kind"], upload=data["file"], program=data.get("program")
        )
        return Response(self.get_serializer(run).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: ImportRunSerializer})
    @action(detail=True, methods=["post"], parser_classes=[])
    def confirm(self, request, pk=None):
        run = services.confirm_import(self.get_object(), by=request.user)
        return Response(self.get_serializer(run).data)


LIST_SOURCES = {
    ImportKind.PEOPLE: people_visible_to,
    ImportKind.ENROLMENTS: enrolments_visible_to,
    ImportKind.PAIRINGS: pairings_visible_to,
}


def list_export_response(kind: str, user, *, file_format: str, program_id: int | None = None):
    """A list the user can see as a streamed CSV or an XLSX attachment, in the active language."""
    queryset = LIST_SOURCES[kind](user)
    if program_id and kind != ImportKind.PEOPLE:
        queryset = queryset.filter(program_id=program_id)
    language = translation.get_language() or "zh-hans"
    headers = exports.list_headers(kind, language)
    rows = exports.list_rows(kind, queryset)
    stamp = timezone.localdate().strftime("%Y%m%d")
    if file_format == "xlsx":
        target = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it)
        exports.write_list_xlsx(exports.list_title(kind), headers, rows, target)
        target.seek(0)
        return FileResponse(
            target, as_attachment=True, filename=f"{kind}-{stamp}.xlsx", content_type=CONTENT_TYPES[ReportFormat.XLSX]
        )
    response = StreamingHttpResponse(exports.stream_csv(headers, rows), content_type=CONTENT_TYPES[ReportFormat.CSV])
    response["Content-Disposition"] = f'attachment; filename="{kind}-{stamp}.csv"'
    return response


class ExportSerializer(serializers.Serializer):
    file_format = serializers.ChoiceField(choices=["csv", "xlsx"], default="csv")
    program = serializers.IntegerField(min_value=1, max_value=2**63 - 1, required=False)


class ListExportView(APIView):
    """``exports/people/``, ``exports/enrolments/``, ``exports/pairings/``: what the caller sees, as CSV or XLSX."""

    permission_classes = [HRStaffOnly]

    @extend_schema(
        parameters=[
            OpenApiParameter("kind", str, OpenApiParameter.PATH, enum=["people", "enrolments", "pairings"]),
            OpenApiParameter("file_format", enum=["csv", "xlsx"]),
            OpenApiParameter("program", int, description="only this program (enrolments and pairings)"),
        ],
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},
    )
    def get(self, request, kind: str):
        if kind not in LIST_SOURCES:
            raise Http404
        # A plain dict, so that an empty ``file_format=`` is refused rather than taken for the default.
        options = ExportSerializer(data=request.query_params.dict())
        options.is_valid(raise_exception=True)
        return list_export_response(
            kind,
            request.user,
            file_format=options.validated_data["file_format"],
            program_id=options.validated_data.get("program"),
        )
