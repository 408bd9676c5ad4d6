"""reviews: the office's half-year and annual reviews

New tables only; nothing existing changes.

Revision ID: 0020_reviews
Revises: 0017_photos

"""
from alembic import op
import sqlalchemy as sa

import app.models.base


# revision identifiers, used by Alembic.
revision = '0020_reviews'
down_revision = '0017_photos'
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


def downgrade():
    with op.batch_alter_table('period_reviews', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_period_reviews_period'))

    op.drop_table('period_reviews')
