from django.urls import path

from accounts import views

urlpatterns = [
    path("settings/profile/", views.profile_edit, name="profile_edit"),
    path("settings/data/", views.data_export, name="data_export"),
    path(
        "settings/data/<int:export_id>/download/",
        views.data_export_download,
        name="data_export_download",
    ),
    path("settings/delete/", views.account_delete, name="account_delete"),
    path("@<str:username>/follow/", views.follow, name="follow"),
    path("@<str:username>/followers/", views.followers, name="followers"),
    path("@<str:username>/following/", views.following, name="following"),
]
