"""Engagement: the like/unlike policy, likes, events and their signals."""
