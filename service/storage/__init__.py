"""Where Cablewise keeps what it records: feedback and the opt-in question log.

SQLAlchemy Core over SQLite (the embedded default, one file) or PostgreSQL (shared by every replica), with the
schema owned by Alembic migrations (`migrations/`, applied by `cablewise db upgrade` or at start).
"""
