"""scheduling: leases and per-run claims in their own tables; job runs keep their fire time,
attempt and holder; bulletins keep when their mail was claimed

Revision ID: 0005_scheduling
Revises: 0003_login_failures
"""
import sqlalchemy as sa
from alembic import op

import app.models.base

revision = "0005_scheduling"
down_revision = "0003_login_failures"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "scheduler_leases",
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("holder", sa.String(length=100), nullable=False),
        sa.Column("expires_at", app.models.base.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_scheduler_leases")),
    )
    op.create_table(
        "job_claims",
        sa.Column("job", sa.String(length=50), nullable=False),
        sa.Column("fire_time", app.models.base.UTCDateTime(), nullable=False),
        sa.Column("holder", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_at", app.models.base.UTCDateTime(), nullable=False),
        sa.Column("next_attempt_at", app.models.base.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("job", "fire_time", name=op.f("pk_job_claims")),
    )
    with op.batch_alter_table("job_claims", schema=None) as batch_op:
        batch_op.create_index("ix_job_claims_status", ["status"], unique=False)
    # Leases and claims shared one table (claims named job@time); a lease is retaken within
    # seconds and old claims only guarded fires that are past, so nothing is carried over.
    op.drop_table("scheduler_locks")
    with op.batch_alter_table("job_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("fire_time", app.models.base.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("attempt", sa.Integer(), server_default="1", nullable=False))
        batch_op.add_column(sa.Column("holder", sa.String(length=100), nullable=True))
    with op.batch_alter_table("bulletins", schema=None) as batch_op:
        batch_op.add_column(sa.Column("mailing_at", app.models.base.UTCDateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("bulletins", schema=None) as batch_op:
        batch_op.drop_column("mailing_at")
    with op.batch_alter_table("job_runs", schema=None) as batch_op:
        batch_op.drop_column("holder")
        batch_op.drop_column("attempt")
        batch_op.drop_column("fire_time")
    op.create_table(
        "scheduler_locks",
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("holder", sa.String(length=100), nullable=False),
        sa.Column("expires_at", app.models.base.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_scheduler_locks")),
    )
    with op.batch_alter_table("job_claims", schema=None) as batch_op:
        batch_op.drop_index("ix_job_claims_status")
    op.drop_table("job_claims")
    op.drop_table("scheduler_leases")
