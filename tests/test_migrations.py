"""The schema comes from the migrations: one head, and the models match what they build."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy import CheckConstraint, inspect

from app.extensions import db


def test_there_is_exactly_one_head(app):
    config = current_app.extensions["migrate"].migrate.get_config()
    heads = ScriptDirectory.from_config(config).get_heads()
    assert len(heads) == 1, f"several migration heads: {heads} — chain them"


def test_models_match_the_migrated_schema(app):
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, db.metadata)
    assert diff == [], f"models and migrations disagree: {diff}"


def test_migrated_database_is_at_head(app):
    config = current_app.extensions["migrate"].migrate.get_config()
    head = ScriptDirectory.from_config(config).get_current_head()
    with db.engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() == head


def test_models_check_constraints_are_the_migrated_ones(app):
    """compare_metadata does not look at CHECK constraints: every one a model declares (by
    one_of(), positive()… or by hand) must be in the migrated schema under its name, with the
    same condition where the database keeps it as written (SQLite; PostgreSQL rewrites it)."""
    inspector = inspect(db.engine)
    as_written = db.engine.dialect.name == "sqlite"
    declared = 0
    for table in db.metadata.sorted_tables:
        migrated = {c["name"]: c["sqltext"] for c in inspector.get_check_constraints(table.name)}
        for constraint in table.constraints:
            if not isinstance(constraint, CheckConstraint):
                continue
            declared += 1
            name = db.engine.dialect.identifier_preparer.format_constraint(constraint)
            assert name in migrated, f"{name} is declared by the model but not migrated"
            if as_written:
                assert " ".join(migrated[name].split()) == " ".join(str(constraint.sqltext).split()), name
    assert declared > 50
