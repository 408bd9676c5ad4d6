"""reviews: the office's half-year and annual reviews; contributions other than hours (donations,
blood drives) with evidence files and yearly targets

New tables only; nothing existing changes.

Revision ID: 0020_reviews
Revises: 0019_evidence_beneficiaries

"""
from alembic import op
import sqlalchemy as sa

import app.models.base


# revision identifiers, used by Alembic.
revision = '0020_reviews'
down_revision = '0019_evidence_beneficiaries'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('period_reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=10), nullable=False),
    sa.Column('revision', sa.Integer(), server_default='0', nullable=False),
    sa.Column('figures', sa.JSON(), nullable=False),
    sa.Column('rule', sa.JSON(), nullable=False),
    sa.Column('comments', sa.JSON(), nullable=False),
    sa.Column('partial', sa.Boolean(), server_default='0', nullable=False),
    sa.Column('computed_at', app.models.base.UTCDateTime(), nullable=False),
    sa.Column('published_at', app.models.base.UTCDateTime(), nullable=True),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_period_reviews_created_by_id_users')),
    sa.ForeignKeyConstraint(['published_by_id'], ['users.id'], name=op.f('fk_period_reviews_published_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_period_reviews')),
    sa.UniqueConstraint('period', 'revision', name='uq_period_reviews_period_revision')
    )
    with op.batch_alter_table('period_reviews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_period_reviews_period'), ['period'], unique=False)

    op.create_table('contributions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('description', sa.String(length=200), nullable=True),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('persons', sa.Integer(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', app.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_contributions_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_contributions_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contributions'))
    )
    with op.batch_alter_table('contributions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contributions_day'), ['day'], unique=False)
        batch_op.create_index(batch_op.f('ix_contributions_unit_id'), ['unit_id'], unique=False)

    op.create_table('contribution_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contribution_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=120), nullable=False),
    sa.Column('content_type', sa.String(length=40), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('uploaded_at', app.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['contribution_id'], ['contributions.id'], name=op.f('fk_contribution_files_contribution_id_contributions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contribution_files'))
    )
    with op.batch_alter_table('contribution_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contribution_files_contribution_id'), ['contribution_id'], unique=False)

    op.create_table('contribution_targets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('donations', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('blood', sa.Integer(), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', app.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_contribution_targets_unit_id_units')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_contribution_targets_updated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contribution_targets')),
    sa.UniqueConstraint('unit_id', 'year', name='uq_contribution_targets_unit_year')
    )
    with op.batch_alter_table('contribution_targets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contribution_targets_unit_id'), ['unit_id'], unique=False)


def downgrade():
    with op.batch_alter_table('contribution_targets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contribution_targets_unit_id'))
    op.drop_table('contribution_targets')
    with op.batch_alter_table('contribution_files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contribution_files_contribution_id'))
    op.drop_table('contribution_files')
    with op.batch_alter_table('contributions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contributions_unit_id'))
        batch_op.drop_index(batch_op.f('ix_contributions_day'))
    op.drop_table('contributions')
    with op.batch_alter_table('period_reviews', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_period_reviews_period'))

    op.drop_table('period_reviews')
