from django.urls import path

from photos import views

urlpatterns = [
    path("upload/", views.photo_upload, name="photo_upload"),
    path("p/<int:photo_id>/edit/", views.photo_edit, name="photo_edit"),
    path("p/<int:photo_id>/delete/", views.photo_delete, name="photo_delete"),
]
