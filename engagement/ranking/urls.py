from django.urls import path

from engagement.ranking import views

urlpatterns = [
    path("explore/", views.explore, name="explore"),
    path("feed/order/", views.feed_order, name="feed_order"),
]
