"""pmtool: product roadmap and backlog manager (core app and project package)."""

from .celery import app as celery_app

__all__ = ("celery_app",)
