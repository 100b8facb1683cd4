from django.urls import path

from engagement import views

urlpatterns = [
    path("p/<int:photo_id>/", views.photo_detail, name="photo_detail"),
    path("p/<int:photo_id>/like/", views.like, name="like"),
    path("p/<int:photo_id>/like-count/", views.like_count_visibility, name="like_count_visibility"),
    path("p/<int:photo_id>/likes/", views.likers, name="likers"),
    path("likes/what-happens/", views.unlike_explainer, name="unlike_explainer"),
    path("@<str:username>/", views.profile, name="profile"),
]
