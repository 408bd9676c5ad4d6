"""who serves: professional skills, and the skill an activity asks for

Revision ID: 0010b_people
Revises: 0012_records_io

- skills: a catalogue seeded with the common professional skills;
- volunteer_skills: a volunteer's skills, each with an optional note (a licence number);
- activities.skill_id: the skill an activity asks for (none for existing activities);
- units.kind (党政机关, 事业单位, 企业, 学校, 社区/村, 志愿服务组织) and units.headcount (在册人数):
  both empty for existing units (shown as 未设置) until an admin records them;
- volunteers.political_status (政治面貌) with political_consent_at: optional, empty for everyone
  until they give it themselves;
- insurance_covers and their members; activities.requires_cover (false for existing ones);
- pupils under 14: volunteers.guardian_id and guardian_relationship, a phone only for those
  with a login; activities.for_minors (适合未成年人, false for existing ones).
"""
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import app.models.base

revision = "0010b_people"
down_revision = "0012_records_io"
branch_labels = None
depends_on = None

DEFAULT_SKILLS = (
    ("医生", "Doctor"),
    ("护士", "Nurse"),
    ("律师", "Lawyer"),
    ("教师", "Teacher"),
    ("社会工作者", "Social worker"),
    ("心理咨询师", "Counsellor"),
    ("电工", "Electrician"),
    ("手语", "Sign language"),
    ("驾驶员", "Driver"),
    ("应急救护", "First aid"),
    ("外语翻译", "Interpreter"),
)


def upgrade():
    skills = op.create_table(
        "skills",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=30), nullable=False),
        sa.Column("name_en", sa.String(length=60), nullable=True),
        sa.Column("position", sa.Integer(), server_default="0", nullable=False),
        sa.Column("active", sa.Boolean(), server_default="1", nullable=False),
        sa.Column("created_at", app.models.base.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_skills")),
        sa.UniqueConstraint("name", name=op.f("uq_skills_name")),
    )
    created = datetime.now(UTC)
    op.bulk_insert(skills, [{"name": name, "name_en": name_en, "position": i, "active": True, "created_at": created}
                            for i, (name, name_en) in enumerate(DEFAULT_SKILLS, start=1)])
    op.create_table(
        "volunteer_skills",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("volunteer_id", sa.Integer(), nullable=False),
        sa.Column("skill_id", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(length=100), nullable=True),
        sa.Column("created_at", app.models.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["skill_id"], ["skills.id"], name=op.f("fk_volunteer_skills_skill_id_skills")),
        sa.ForeignKeyConstraint(["volunteer_id"], ["volunteers.id"], ondelete="CASCADE",
                                name=op.f("fk_volunteer_skills_volunteer_id_volunteers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volunteer_skills")),
        sa.UniqueConstraint("volunteer_id", "skill_id", name=op.f("uq_volunteer_skills_volunteer_id")),
    )
    with op.batch_alter_table("volunteer_skills", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_volunteer_skills_skill_id"), ["skill_id"], unique=False)
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.add_column(sa.Column("skill_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_activities_skill_id"), ["skill_id"], unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_activities_skill_id_skills"), "skills", ["skill_id"], ["id"])
    with op.batch_alter_table("volunteers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("political_status", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("political_consent_at", app.models.base.UTCDateTime(), nullable=True))
        batch_op.create_check_constraint(
            "political_status", "political_status IS NULL OR political_status IN ('party_member',"
                                "'probationary_member','league_member','democratic_party','masses')")
        batch_op.create_check_constraint("political_consent",
                                         "political_status IS NULL OR political_consent_at IS NOT NULL")
    with op.batch_alter_table("units", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("headcount", sa.Integer(), nullable=True))
        batch_op.create_check_constraint("kind", "kind IS NULL OR kind IN ('government','institution','enterprise',"
                                                 "'school','community','organisation')")
        batch_op.create_check_constraint("headcount", "headcount IS NULL OR headcount >= 1")


    op.create_table(
        "insurance_covers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("insurer", sa.String(length=100), nullable=False),
        sa.Column("policy_no", sa.String(length=50), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("scope", sa.String(length=10), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", app.models.base.UTCDateTime(), nullable=False),
        sa.CheckConstraint("scope IN ('unit','list')", name=op.f("ck_insurance_covers_scope")),
        sa.CheckConstraint("ends_on >= starts_on", name=op.f("ck_insurance_covers_period")),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_insurance_covers_created_by_id_users")),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_insurance_covers_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_insurance_covers")),
    )
    op.create_index("ix_insurance_covers_unit_period", "insurance_covers", ["unit_id", "starts_on", "ends_on"])
    op.create_table(
        "insurance_cover_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cover_id", sa.Integer(), nullable=False),
        sa.Column("volunteer_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["cover_id"], ["insurance_covers.id"], ondelete="CASCADE",
                                name=op.f("fk_insurance_cover_members_cover_id_insurance_covers")),
        sa.ForeignKeyConstraint(["volunteer_id"], ["volunteers.id"], ondelete="CASCADE",
                                name=op.f("fk_insurance_cover_members_volunteer_id_volunteers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_insurance_cover_members")),
        sa.UniqueConstraint("cover_id", "volunteer_id", name=op.f("uq_insurance_cover_members_cover_id")),
    )
    op.create_index(op.f("ix_insurance_cover_members_volunteer_id"), "insurance_cover_members", ["volunteer_id"])
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.add_column(sa.Column("requires_cover", sa.Boolean(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("for_minors", sa.Boolean(), server_default="0", nullable=False))
    with op.batch_alter_table("volunteers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("guardian_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("guardian_relationship", sa.String(length=20), nullable=True))
        batch_op.alter_column("phone", existing_type=sa.String(length=11), nullable=True)
        batch_op.create_index(batch_op.f("ix_volunteers_guardian_id"), ["guardian_id"], unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_volunteers_guardian_id_volunteers"), "volunteers",
                                    ["guardian_id"], ["id"])
        batch_op.create_check_constraint("phone_or_guardian", "phone IS NOT NULL OR guardian_id IS NOT NULL")


def downgrade():
    op.execute("DELETE FROM volunteers WHERE phone IS NULL")  # pupils have no place in the old schema
    with op.batch_alter_table("volunteers", schema=None) as batch_op:
        batch_op.drop_constraint("phone_or_guardian", type_="check")
        batch_op.drop_constraint(batch_op.f("fk_volunteers_guardian_id_volunteers"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_volunteers_guardian_id"))
        batch_op.alter_column("phone", existing_type=sa.String(length=11), nullable=False)
        batch_op.drop_column("guardian_relationship")
        batch_op.drop_column("guardian_id")
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.drop_column("for_minors")
        batch_op.drop_column("requires_cover")
    op.drop_table("insurance_cover_members")
    op.drop_table("insurance_covers")
    with op.batch_alter_table("volunteers", schema=None) as batch_op:
        batch_op.drop_constraint("political_consent", type_="check")
        batch_op.drop_constraint("political_status", type_="check")
        batch_op.drop_column("political_consent_at")
        batch_op.drop_column("political_status")
    with op.batch_alter_table("units", schema=None) as batch_op:
        batch_op.drop_constraint("headcount", type_="check")
        batch_op.drop_constraint("kind", type_="check")
        batch_op.drop_column("headcount")
        batch_op.drop_column("kind")
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_activities_skill_id_skills"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_activities_skill_id"))
        batch_op.drop_column("skill_id")
    op.drop_table("volunteer_skills")
    op.drop_table("skills")
