from django.urls import path

from engagement.moderation import views

urlpatterns = [
    path("moderation/", views.queue, name="moderation_queue"),
    path("moderation/flags/<int:flag_id>/", views.flag_detail, name="moderation_flag"),
    path("moderation/flags/<int:flag_id>/act/", views.flag_act, name="moderation_flag_act"),
    path("moderation/reports/<int:report_id>/", views.report_detail, name="moderation_report"),
    path(
        "moderation/reports/<int:report_id>/act/",
        views.report_act,
        name="moderation_report_act",
    ),
    path("p/<int:photo_id>/report/", views.report_photo, name="report_photo"),
    path("@<str:username>/report/", views.report_account, name="report_account"),
]
