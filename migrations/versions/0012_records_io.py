"""records in and out: remembered column mappings per unit, background export jobs

Revision ID: 0012_records_io
Revises: 0010_catalogues
Create Date: 2026-11-30 00:45:00
"""
from alembic import op
import sqlalchemy as sa

import app.models.base

revision = "0012_records_io"
down_revision = "0010_catalogues"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "column_mappings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("columns", sa.JSON(), nullable=False),
        sa.Column("updated_at", app.models.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_column_mappings_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_column_mappings")),
        sa.UniqueConstraint("unit_id", "kind", name="uq_column_mappings_unit_kind"),
    )
    op.create_table(
        "export_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("date_from", sa.Date(), nullable=False),
        sa.Column("date_to", sa.Date(), nullable=False),
        sa.Column("status_filter", sa.String(length=10), nullable=True),
        sa.Column("profile", sa.String(length=20), server_default="standard", nullable=False),
        sa.Column("file_format", sa.String(length=4), server_default="xlsx", nullable=False),
        sa.Column("full_ids", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("status", sa.String(length=10), server_default="queued", nullable=False),
        sa.Column("total", sa.Integer(), server_default="0", nullable=False),
        sa.Column("done", sa.Integer(), server_default="0", nullable=False),
        sa.Column("file_name", sa.String(length=100), nullable=True),
        sa.Column("message", sa.String(length=500), nullable=True),
        sa.Column("created_at", app.models.base.UTCDateTime(), nullable=False),
        sa.Column("finished_at", app.models.base.UTCDateTime(), nullable=True),
        sa.CheckConstraint("status IN ('queued','running','done','failed')", name=op.f("ck_export_jobs_status")),
        sa.CheckConstraint("file_format IN ('xlsx','csv')", name=op.f("ck_export_jobs_file_format")),
        sa.ForeignKeyConstraint(["requested_by_id"], ["users.id"], name=op.f("fk_export_jobs_requested_by_id_users")),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_export_jobs_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_export_jobs")),
    )
    with op.batch_alter_table("export_jobs", schema=None) as batch_op:
        batch_op.create_index("ix_export_jobs_requested_by", ["requested_by_id", "created_at"], unique=False)


def downgrade():
    with op.batch_alter_table("export_jobs", schema=None) as batch_op:
        batch_op.drop_index("ix_export_jobs_requested_by")
    op.drop_table("export_jobs")
    op.drop_table("column_mappings")
