"""login sessions remember when they were last used; ID numbers are shown with their first
and last character only

Revision ID: 0002_sessions_and_masks
Revises: 0006_bulletin_revisions
"""
from alembic import op
import sqlalchemy as sa

import app.models.base


revision = "0002_sessions_and_masks"
down_revision = "0006_bulletin_revisions"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("login_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_seen_at", app.models.base.UTCDateTime(), nullable=True))
    # The stored mask kept the first 3 and last 4 characters; keep only the first and the last.
    op.execute("UPDATE volunteers SET id_number_masked = "
               "substr(id_number_masked, 1, 1) || '****************' || "
               "substr(id_number_masked, length(id_number_masked), 1)")


def downgrade():
    with op.batch_alter_table("login_sessions", schema=None) as batch_op:
        batch_op.drop_column("last_seen_at")
