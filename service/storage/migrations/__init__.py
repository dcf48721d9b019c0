"""Alembic migrations of the feedback and question-log database (see service/storage/database.py)."""
