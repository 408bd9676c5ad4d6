"""residents' needs (微心愿): a need from the resident to the unit's task, the volunteers' sign-ups

Revision ID: 0014_needs_residents
Revises: 0011_offline_taps
Create Date: 2026-11-30 01:06:41

needs keeps the resident's name and phone only until they are purged after the retention
period; need_signups holds who signed up for a published need and whom the unit confirmed.
"""
from alembic import op
import sqlalchemy as sa

import app.models.base


revision = "0014_needs_residents"
down_revision = "0011_offline_taps"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('needs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=10), server_default='submitted', nullable=False),
    sa.Column('source', sa.String(length=10), server_default='public', nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.String(length=500), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('wished_date', sa.Date(), nullable=False),
    sa.Column('resident_name', sa.String(length=50), nullable=True),
    sa.Column('resident_phone', sa.String(length=11), nullable=True),
    sa.Column('purged_at', app.models.base.UTCDateTime(), nullable=True),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('merged_into_id', sa.Integer(), nullable=True),
    sa.Column('decline_reason', sa.String(length=500), nullable=True),
    sa.Column('capacity', sa.Integer(), nullable=True),
    sa.Column('signup_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=True),
    sa.Column('rating', sa.Integer(), nullable=True),
    sa.Column('rating_comment', sa.String(length=500), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', app.models.base.UTCDateTime(), nullable=False),
    sa.Column('accepted_at', app.models.base.UTCDateTime(), nullable=True),
    sa.Column('published_at', app.models.base.UTCDateTime(), nullable=True),
    sa.Column('served_at', app.models.base.UTCDateTime(), nullable=True),
    sa.Column('served_on_time', sa.Boolean(), nullable=True),
    sa.Column('rated_at', app.models.base.UTCDateTime(), nullable=True),
    sa.Column('closed_at', app.models.base.UTCDateTime(), nullable=True),
    sa.CheckConstraint("source IN ('public','phone')", name=op.f('ck_needs_source')),
    sa.CheckConstraint("status IN ('submitted','accepted','declined','merged','published','served','rated')", name=op.f('ck_needs_status')),
    sa.CheckConstraint('capacity IS NULL OR capacity > 0', name=op.f('ck_needs_capacity')),
    sa.CheckConstraint('capacity IS NULL OR signup_count <= capacity', name=op.f('ck_needs_signups_within_capacity')),
    sa.CheckConstraint('rating IS NULL OR (rating >= 1 AND rating <= 5)', name=op.f('ck_needs_rating')),
    sa.ForeignKeyConstraint(['category_id'], ['service_categories.id'], name=op.f('fk_needs_category_id_service_categories')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_needs_created_by_id_users')),
    sa.ForeignKeyConstraint(['merged_into_id'], ['needs.id'], name=op.f('fk_needs_merged_into_id_needs')),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_needs_post_id_posts')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_needs_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_needs')),
    sa.UniqueConstraint('code_hash', name=op.f('uq_needs_code_hash')),
    sa.UniqueConstraint('post_id', name=op.f('uq_needs_post_id'))
    )
    with op.batch_alter_table('needs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_needs_category_id'), ['category_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_needs_closed_at'), ['closed_at'], unique=False)
        batch_op.create_index('ix_needs_status_created', ['status', 'created_at'], unique=False)
        batch_op.create_index('ix_needs_unit_status', ['unit_id', 'status'], unique=False)

    op.create_table('need_signups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('need_id', sa.Integer(), nullable=False),
    sa.Column('volunteer_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), server_default='pending', nullable=False),
    sa.Column('created_at', app.models.base.UTCDateTime(), nullable=False),
    sa.Column('confirmed_at', app.models.base.UTCDateTime(), nullable=True),
    sa.CheckConstraint("status IN ('pending','confirmed')", name=op.f('ck_need_signups_status')),
    sa.ForeignKeyConstraint(['need_id'], ['needs.id'], name=op.f('fk_need_signups_need_id_needs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['volunteer_id'], ['volunteers.id'], name=op.f('fk_need_signups_volunteer_id_volunteers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_need_signups')),
    sa.UniqueConstraint('need_id', 'volunteer_id', name=op.f('uq_need_signups_need_id'))
    )
    with op.batch_alter_table('need_signups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_need_signups_volunteer_id'), ['volunteer_id'], unique=False)



def downgrade():
    with op.batch_alter_table('need_signups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_need_signups_volunteer_id'))

    op.drop_table('need_signups')
    with op.batch_alter_table('needs', schema=None) as batch_op:
        batch_op.drop_index('ix_needs_unit_status')
        batch_op.drop_index('ix_needs_status_created')
        batch_op.drop_index(batch_op.f('ix_needs_closed_at'))
        batch_op.drop_index(batch_op.f('ix_needs_category_id'))

    op.drop_table('needs')
