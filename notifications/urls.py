from django.urls import path

from notifications import views

urlpatterns = [
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/badge/", views.badge, name="notification_badge"),
    path("notifications/read/", views.mark_all_read, name="notifications_read"),
    path("settings/notifications/", views.preferences, name="notification_preferences"),
    path("p/<int:photo_id>/notifications/", views.photo_mute, name="photo_mute"),
]
