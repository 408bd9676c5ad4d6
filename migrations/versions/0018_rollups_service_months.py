"""rollups: approved service per month, per home unit and host unit and per volunteer, kept by
the ledger, and volunteers per unit and star level; filled here from the existing rows. An index for the approvals of a late window.

Revision ID: 0018_rollups_service_months
Revises: 0021_campaigns_rosters_notices

"""
import os

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0018_rollups_service_months'
down_revision = '0021_campaigns_rosters_notices'
branch_labels = None
depends_on = None


def _zone() -> str:
    try:
        from flask import current_app

        return current_app.config["TIMEZONE"]
    except (RuntimeError, KeyError):
        return os.environ.get("TIMEZONE", "Asia/Shanghai")


def upgrade():
    op.create_table('service_months',
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('host_unit_id', sa.Integer(), nullable=False),
    sa.Column('seconds', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('records', sa.Integer(), server_default='0', nullable=False),
    sa.ForeignKeyConstraint(['host_unit_id'], ['units.id'], name=op.f('fk_service_months_host_unit_id_units')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_service_months_unit_id_units')),
    sa.PrimaryKeyConstraint('month', 'unit_id', 'host_unit_id', name=op.f('pk_service_months'))
    )
    op.create_table('volunteer_months',
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('volunteer_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('seconds', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('records', sa.Integer(), server_default='0', nullable=False),
    sa.Column('registered', sa.Boolean(), server_default='1', nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_volunteer_months_unit_id_units')),
    sa.ForeignKeyConstraint(['volunteer_id'], ['volunteers.id'], name=op.f('fk_volunteer_months_volunteer_id_volunteers')),
    sa.PrimaryKeyConstraint('month', 'volunteer_id', name=op.f('pk_volunteer_months'))
    )
    op.create_table('unit_star_counts',
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('star_level', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('volunteers', sa.Integer(), server_default='0', nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_unit_star_counts_unit_id_units')),
    sa.PrimaryKeyConstraint('unit_id', 'star_level', name=op.f('pk_unit_star_counts'))
    )
    with op.batch_alter_table('volunteer_months', schema=None) as batch_op:
        batch_op.create_index('ix_volunteer_months_unit_seconds', ['month', 'unit_id', 'seconds'], unique=False)
    with op.batch_alter_table('service_records', schema=None) as batch_op:
        batch_op.create_index('ix_service_records_approved_reviewed',
                              ['reviewed_at', 'started_at', 'volunteer_id', 'seconds'], unique=False,
                              sqlite_where=sa.text("status = 'approved'"),
                              postgresql_where=sa.text("status = 'approved'"))

    from app.services import rollups

    rollups.rebuild(op.get_bind(), _zone())


def downgrade():
    with op.batch_alter_table('service_records', schema=None) as batch_op:
        batch_op.drop_index('ix_service_records_approved_reviewed',
                            sqlite_where=sa.text("status = 'approved'"),
                            postgresql_where=sa.text("status = 'approved'"))
    with op.batch_alter_table('volunteer_months', schema=None) as batch_op:
        batch_op.drop_index('ix_volunteer_months_unit_seconds')
    op.drop_table('volunteer_months')
    op.drop_table('unit_star_counts')
    op.drop_table('service_months')
