"""Notifications: hear engagement through its signals and tell owners."""
