"""The REST API under /api/v1/: one router, each app registers its viewsets here."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from pairings.api import (
    ActivityViewSet,
    AssessmentViewSet,
    GoalViewSet,
    GrowthPlanViewSet,
    OutcomeViewSet,
    PairingViewSet,
    ReviewViewSet,
)
from pairings.match_api import MatchRunViewSet, ProgramMatchRunViewSet
from programs.api import (
    CompetencyViewSet,
    EnrolmentViewSet,
    ObtainTokenView,
    OrganizationViewSet,
    PersonViewSet,
    ProgramViewSet,
)
from reports.api import ImportRunViewSet, ListExportView, ReportRunViewSet
from reports.notification_api import NotificationViewSet

router = DefaultRouter()
router.register("organizations", OrganizationViewSet, basename="organization")
router.register("people", PersonViewSet, basename="person")
router.register("competencies", CompetencyViewSet, basename="competency")
router.register("programs", ProgramViewSet, basename="program")
router.register(r"programs/(?P<program_pk>\d{1,19})/match-runs", ProgramMatchRunViewSet, basename="program-match-run")
router.register("match-runs", MatchRunViewSet, basename="match-run")
router.register("enrolments", EnrolmentViewSet, basename="enrolment")
router.register("pairings", PairingViewSet, basename="pairing")
router.register("growth-plans", GrowthPlanViewSet, basename="growthplan")
router.register("goals", GoalViewSet, basename="goal")
router.register("activities", ActivityViewSet, basename="activity")
router.register("assessments", AssessmentViewSet, basename="assessment")
router.register("reviews", ReviewViewSet, basename="review")
router.register("outcomes", OutcomeViewSet, basename="outcome")
router.register("report-runs", ReportRunViewSet, basename="reportrun")
router.register("import-runs", ImportRunViewSet, basename="importrun")
router.register("notifications", NotificationViewSet, basename="notification")

urlpatterns = [
    path("auth/token/", ObtainTokenView.as_view(), name="api-token"),
    path("exports/<str:kind>/", ListExportView.as_view(), name="list-export"),
    path("", include(router.urls)),
]
