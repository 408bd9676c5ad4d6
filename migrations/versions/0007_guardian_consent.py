"""guardian consent for volunteers aged 14 to 17

Revision ID: 0007_guardian_consent
Revises: 0005_scheduling
"""
import sqlalchemy as sa
from alembic import op

import app.models.base

revision = "0007_guardian_consent"
down_revision = "0005_scheduling"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("volunteers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("guardian_consent_at", app.models.base.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("guardian_consent_method", sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column("guardian_consent_note", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("guardian_token_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("guardian_token_sent_at", app.models.base.UTCDateTime(), nullable=True))
        batch_op.create_check_constraint(
            "guardian_consent_method",
            "guardian_consent_method IS NULL OR guardian_consent_method IN ('sms','paper')")
        batch_op.create_index(batch_op.f("ix_volunteers_guardian_token_hash"), ["guardian_token_hash"], unique=False)


def downgrade():
    with op.batch_alter_table("volunteers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_volunteers_guardian_token_hash"))
        batch_op.drop_constraint("guardian_consent_method", type_="check")
        batch_op.drop_column("guardian_token_sent_at")
        batch_op.drop_column("guardian_token_hash")
        batch_op.drop_column("guardian_consent_note")
        batch_op.drop_column("guardian_consent_method")
        batch_op.drop_column("guardian_consent_at")
