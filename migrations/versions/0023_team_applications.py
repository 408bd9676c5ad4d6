"""teams that take applications: a team may require an application (and have a capacity,
with a count of its members kept beside it); applications to join a team

Revision ID: 0023_team_applications
Revises: 0018_rollups_service_months

"""
import sqlalchemy as sa
from alembic import op

import app.models.base

# revision identifiers, used by Alembic.
revision = '0023_team_applications'
down_revision = '0018_rollups_service_months'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('teams', schema=None) as batch_op:
        batch_op.add_column(sa.Column('requires_application', sa.Boolean(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('capacity', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('member_count', sa.Integer(), server_default='0', nullable=False))
        batch_op.create_check_constraint(op.f('ck_teams_capacity'), 'capacity IS NULL OR capacity > 0')
    op.execute(
        "UPDATE teams SET member_count = "
        "(SELECT count(*) FROM team_members WHERE team_members.team_id = teams.id)"
    )

    op.create_table('team_applications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('volunteer_id', sa.Integer(), nullable=False),
    sa.Column('note', sa.String(length=300), server_default='', nullable=False),
    sa.Column('status', sa.String(length=10), server_default='pending', nullable=False),
    sa.Column('reason', sa.String(length=300), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', app.models.base.UTCDateTime(), nullable=True),
    sa.Column('created_at', app.models.base.UTCDateTime(), nullable=False),
    sa.CheckConstraint("status IN ('pending','accepted','declined')", name=op.f('ck_team_applications_status')),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_team_applications_team_id_teams'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_team_applications_decided_by_id_users')),
    sa.ForeignKeyConstraint(['volunteer_id'], ['volunteers.id'], name=op.f('fk_team_applications_volunteer_id_volunteers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_team_applications')),
    sa.UniqueConstraint('team_id', 'volunteer_id', name=op.f('uq_team_applications_team_id'))
    )
    with op.batch_alter_table('team_applications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_team_applications_team_id'), ['team_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_team_applications_volunteer_id'), ['volunteer_id'], unique=False)


def downgrade():
    with op.batch_alter_table('team_applications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_team_applications_volunteer_id'))
        batch_op.drop_index(batch_op.f('ix_team_applications_team_id'))

    op.drop_table('team_applications')
    with op.batch_alter_table('teams', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_teams_capacity'), type_='check')
        batch_op.drop_column('member_count')
        batch_op.drop_column('capacity')
        batch_op.drop_column('requires_application')
