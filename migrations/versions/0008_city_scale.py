"""city scale: indexes for 1 M volunteers and 10 M records

Revision ID: 0008_city_scale
Revises: 0007_guardian_consent
Create Date: 2026-11-29 21:50:00

- volunteers.name: a pg_trgm GIN index on PostgreSQL, so a search by a fragment of the name
  is served by an index; a plain index on SQLite (which has no trigram index).
- service_records: covering indexes for a volunteer's hours by period and for every record
  of a period, and a small partial index of the records still open or pending.
"""
from alembic import op
import sqlalchemy as sa


revision = "0008_city_scale"
down_revision = "0007_guardian_consent"
branch_labels = None
depends_on = None

UNREVIEWED = "status IN ('open', 'pending')"


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.create_index("ix_volunteers_name", "volunteers", ["name"], postgresql_using="gin",
                        postgresql_ops={"name": "gin_trgm_ops"})
    else:
        with op.batch_alter_table("volunteers", schema=None) as batch_op:
            batch_op.create_index("ix_volunteers_name", ["name"], unique=False)
    with op.batch_alter_table("service_records", schema=None) as batch_op:
        batch_op.create_index("ix_service_records_volunteer_status_started",
                              ["volunteer_id", "status", "started_at", "seconds"], unique=False)
        batch_op.create_index("ix_service_records_status_started",
                              ["status", "started_at", "unit_id", "volunteer_id", "seconds", "id"], unique=False)
        batch_op.create_index("ix_service_records_unreviewed", ["unit_id", "status"], unique=False,
                              sqlite_where=sa.text(UNREVIEWED), postgresql_where=sa.text(UNREVIEWED))


def downgrade():
    with op.batch_alter_table("service_records", schema=None) as batch_op:
        batch_op.drop_index("ix_service_records_unreviewed")
        batch_op.drop_index("ix_service_records_status_started")
        batch_op.drop_index("ix_service_records_volunteer_status_started")
    with op.batch_alter_table("volunteers", schema=None) as batch_op:
        batch_op.drop_index("ix_volunteers_name")
    # the pg_trgm extension stays: other objects may use it
