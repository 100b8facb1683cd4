from django.urls import path

from engagement.insights import views

urlpatterns = [
    path("insights/", views.account_insights, name="account_insights"),
    path("insights/daily.csv", views.account_insights_csv, name="account_insights_csv"),
    path("p/<int:photo_id>/insights/", views.photo_insights, name="photo_insights"),
    path(
        "p/<int:photo_id>/insights/daily.csv",
        views.photo_insights_csv,
        name="photo_insights_csv",
    ),
]
