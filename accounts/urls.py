from django.urls import path

from accounts import views

urlpatterns = [
    path("settings/profile/", views.profile_edit, name="profile_edit"),
    path("@<str:username>/follow/", views.follow, name="follow"),
    path("@<str:username>/followers/", views.followers, name="followers"),
    path("@<str:username>/following/", views.following, name="following"),
]
