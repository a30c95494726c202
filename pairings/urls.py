from django.urls import path

from . import match_views, views

app_name = "pairings"

urlpatterns: list = [
    path("", views.pairing_list, name="list"),
    path("mine/", views.my_mentoring, name="mine"),
    path("mine/activities/", views.log_my_activity, name="mine-log-activity"),
    path("<int:pk>/", views.pairing_detail, name="detail"),
    path("<int:pk>/activities/", views.log_activity, name="log-activity"),
    path("<int:pk>/goals/", views.add_goal, name="add-goal"),
    path("<int:pk>/goals/<int:goal_pk>/", views.update_goal, name="update-goal"),
    path("<int:pk>/assessments/", views.record_assessment, name="assess"),
    path("<int:pk>/reviews/", views.record_review, name="review"),
    path("<int:pk>/transition/", views.transition, name="transition"),
    path("<int:pk>/pledge/", views.sign_pledge, name="pledge"),
    path("<int:pk>/certificate/", views.certificate, name="certificate"),
]

urlpatterns += [
    path("programs/<int:program_pk>/matching/", match_views.program_runs, name="match-runs"),
    path("programs/<int:program_pk>/matching/start/", match_views.start_run, name="match-run-start"),
    path("match-runs/<int:run_pk>/review/", match_views.review_run, name="match-run-review"),
]
