from django.urls import path

from . import views

app_name = "programs"

urlpatterns: list = [
    path("programs/", views.program_list, name="list"),
    path("programs/<int:pk>/", views.program_detail, name="detail"),
    path("programs/<int:pk>/supervision/", views.program_supervision, name="supervision"),
    path("programs/<int:pk>/people/", views.program_enrolments, name="enrolments"),
    path("programs/<int:pk>/pair/", views.program_pair, name="pair"),
    path("people/", views.person_list, name="people"),
    path("people/<int:pk>/", views.person_detail, name="person"),
]
