"""evidence: people served (服务人次) on an activity and on a post's day

A nullable column on activities and one new table, post_days; nothing existing changes.

Revision ID: 0019_evidence_beneficiaries
Revises: 0017b_export_heartbeat

"""
from alembic import op
import sqlalchemy as sa

import app.models.base


# revision identifiers, used by Alembic.
revision = '0019_evidence_beneficiaries'
down_revision = '0017b_export_heartbeat'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.add_column(sa.Column('beneficiaries', sa.Integer(), nullable=True))

    op.create_table('post_days',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('beneficiaries', sa.Integer(), nullable=True),
    sa.Column('note', sa.String(length=200), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', app.models.base.UTCDateTime(), nullable=False),
    sa.CheckConstraint('beneficiaries IS NULL OR beneficiaries >= 0', name=op.f('ck_post_days_beneficiaries')),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_post_days_post_id_posts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_post_days_updated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_post_days')),
    sa.UniqueConstraint('post_id', 'day', name=op.f('uq_post_days_post_id'))
    )
    with op.batch_alter_table('post_days', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_post_days_day'), ['day'], unique=False)


def downgrade():
    with op.batch_alter_table('post_days', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_post_days_day'))

    op.drop_table('post_days')
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.drop_column('beneficiaries')
