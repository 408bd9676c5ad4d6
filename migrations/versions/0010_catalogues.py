"""service categories: a catalogue the platform admin keeps; posts and activities carry one

Revision ID: 0010_catalogues
Revises: 0008_city_scale

The catalogue starts with the twelve common categories. Existing posts and activities get
none (NULL, shown as 未分类) until an admin chooses one: guessing would put wrong figures in
the bulletins.
"""
import sqlalchemy as sa
from alembic import op

import app.models.base

revision = "0010_catalogues"
down_revision = "0008_city_scale"
branch_labels = None
depends_on = None

DEFAULT_CATEGORIES = (
    ("扶老助残", "Care for the elderly and disabled"),
    ("助学支教", "Education support"),
    ("医疗卫生", "Health care"),
    ("法律服务", "Legal services"),
    ("文明劝导", "Civility guidance"),
    ("交通劝导", "Traffic guidance"),
    ("环境保护", "Environmental protection"),
    ("科普宣传", "Science outreach"),
    ("文化体育", "Culture and sports"),
    ("应急救援", "Emergency rescue"),
    ("无偿献血", "Blood donation"),
    ("社区服务", "Community service"),
)


def upgrade():
    table = op.create_table(
        "service_categories",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=30), nullable=False),
        sa.Column("name_en", sa.String(length=60), nullable=True),
        sa.Column("position", sa.Integer(), server_default="0", nullable=False),
        sa.Column("active", sa.Boolean(), server_default="1", nullable=False),
        sa.Column("created_at", app.models.base.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_categories")),
        sa.UniqueConstraint("name", name=op.f("uq_service_categories_name")),
    )
    from datetime import UTC, datetime
    created = datetime.now(UTC)
    op.bulk_insert(table, [{"name": name, "name_en": name_en, "position": i, "active": True, "created_at": created}
                           for i, (name, name_en) in enumerate(DEFAULT_CATEGORIES, start=1)])
    for name in ("posts", "activities"):
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.add_column(sa.Column("category_id", sa.Integer(), nullable=True))
            batch_op.create_index(batch_op.f(f"ix_{name}_category_id"), ["category_id"], unique=False)
            batch_op.create_foreign_key(batch_op.f(f"fk_{name}_category_id_service_categories"),
                                        "service_categories", ["category_id"], ["id"])


def downgrade():
    for name in ("activities", "posts"):
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(f"fk_{name}_category_id_service_categories"), type_="foreignkey")
            batch_op.drop_index(batch_op.f(f"ix_{name}_category_id"))
            batch_op.drop_column("category_id")
    op.drop_table("service_categories")
