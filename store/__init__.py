"""The database: SQLModel tables, the async engine and the Alembic migrations.

It is the only place personal data lives; workflows and their histories carry case references only.
"""
