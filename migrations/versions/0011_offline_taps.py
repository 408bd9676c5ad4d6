"""offline check-in: tap devices and their signed taps

Revision ID: 0011_offline_taps
Revises: 0010b_people
"""
import sqlalchemy as sa
from alembic import op

import app.models.base

revision = "0011_offline_taps"
down_revision = "0010b_people"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "tap_devices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("volunteer_id", sa.Integer(), nullable=False),
        sa.Column("public_key", sa.Text(), nullable=False),
        sa.Column("label", sa.String(length=100), server_default="", nullable=False),
        sa.Column("created_at", app.models.base.UTCDateTime(), nullable=False),
        sa.Column("last_used_at", app.models.base.UTCDateTime(), nullable=True),
        sa.Column("revoked_at", app.models.base.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["volunteer_id"], ["volunteers.id"],
                                name=op.f("fk_tap_devices_volunteer_id_volunteers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tap_devices")),
    )
    with op.batch_alter_table("tap_devices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tap_devices_volunteer_id"), ["volunteer_id"], unique=False)

    op.create_table(
        "offline_taps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("tap_key", sa.String(length=64), nullable=False),
        sa.Column("volunteer_id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=True),
        sa.Column("device_time", app.models.base.UTCDateTime(), nullable=False),
        sa.Column("counted_at", app.models.base.UTCDateTime(), nullable=False),
        sa.Column("received_at", app.models.base.UTCDateTime(), nullable=False),
        sa.Column("clock_offset_seconds", sa.Integer(), server_default="0", nullable=False),
        sa.Column("lat", sa.Double(), nullable=True),
        sa.Column("lng", sa.Double(), nullable=True),
        sa.Column("flags", sa.String(length=100), server_default="", nullable=False),
        sa.Column("outcome", sa.String(length=10), nullable=False),
        sa.Column("action", sa.String(length=10), nullable=True),
        sa.Column("record_id", sa.Integer(), nullable=True),
        sa.Column("error_code", sa.String(length=40), nullable=True),
        sa.Column("reason", sa.String(length=300), nullable=True),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("signature", sa.String(length=200), nullable=False),
        sa.CheckConstraint("outcome IN ('accepted','refused')", name=op.f("ck_offline_taps_outcome")),
        sa.ForeignKeyConstraint(["device_id"], ["tap_devices.id"], name=op.f("fk_offline_taps_device_id_tap_devices")),
        sa.ForeignKeyConstraint(["post_id"], ["posts.id"], name=op.f("fk_offline_taps_post_id_posts")),
        sa.ForeignKeyConstraint(["record_id"], ["service_records.id"],
                                name=op.f("fk_offline_taps_record_id_service_records")),
        sa.ForeignKeyConstraint(["volunteer_id"], ["volunteers.id"],
                                name=op.f("fk_offline_taps_volunteer_id_volunteers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offline_taps")),
        sa.UniqueConstraint("device_id", "tap_key", name=op.f("uq_offline_taps_device_id")),
    )
    with op.batch_alter_table("offline_taps", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_offline_taps_record_id"), ["record_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_offline_taps_volunteer_id"), ["volunteer_id"], unique=False)


def downgrade():
    with op.batch_alter_table("offline_taps", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_offline_taps_volunteer_id"))
        batch_op.drop_index(batch_op.f("ix_offline_taps_record_id"))
    op.drop_table("offline_taps")
    with op.batch_alter_table("tap_devices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tap_devices_volunteer_id"))
    op.drop_table("tap_devices")
