"""Bulletin revisions (修订版), the office's quarterly review comments, training attendance.

Revision ID: 0006_bulletin_revisions
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

import app.models.base

revision = "0006_bulletin_revisions"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("bulletins", schema=None) as batch_op:
        batch_op.add_column(sa.Column("revision", sa.Integer(), server_default="0", nullable=False))
        batch_op.drop_constraint("uq_bulletins_scope_month", type_="unique")
        batch_op.create_unique_constraint("uq_bulletins_scope_month_revision", ["scope", "month", "revision"])

    op.create_table(
        "quarter_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=20), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("quarter", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("updated_at", app.models.base.UTCDateTime(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_quarter_reviews_unit_id_units")),
        sa.ForeignKeyConstraint(["updated_by_id"], ["users.id"], name=op.f("fk_quarter_reviews_updated_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quarter_reviews")),
        sa.UniqueConstraint("scope", "year", "quarter", name="uq_quarter_reviews_scope_year_quarter"),
    )
    with op.batch_alter_table("quarter_reviews", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quarter_reviews_unit_id"), ["unit_id"], unique=False)

    with op.batch_alter_table("activity_signups", schema=None) as batch_op:
        batch_op.add_column(sa.Column("attended_at", app.models.base.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("attendance_source", sa.String(length=10), nullable=True))


def downgrade():
    with op.batch_alter_table("activity_signups", schema=None) as batch_op:
        batch_op.drop_column("attendance_source")
        batch_op.drop_column("attended_at")

    with op.batch_alter_table("quarter_reviews", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quarter_reviews_unit_id"))
    op.drop_table("quarter_reviews")

    with op.batch_alter_table("bulletins", schema=None) as batch_op:
        batch_op.drop_constraint("uq_bulletins_scope_month_revision", type_="unique")
        batch_op.create_unique_constraint("uq_bulletins_scope_month", ["scope", "month"])
        batch_op.drop_column("revision")
