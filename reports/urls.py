from django.urls import path

from . import views

app_name = "reports"

urlpatterns: list = [
    path("", views.index, name="index"),
    path("report/", views.report, name="report"),
    path("runs/<int:pk>/download/", views.download, name="download"),
    path("imports/", views.imports, name="imports"),
    path("imports/<int:pk>/", views.import_detail, name="import-detail"),
    path("imports/<int:pk>/confirm/", views.import_confirm, name="import-confirm"),
    path("exports/<str:kind>/", views.export, name="export"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read-all/", views.notifications_read_all, name="notifications-read-all"),
    path("notifications/<int:pk>/read/", views.notification_read, name="notification-read"),
]
