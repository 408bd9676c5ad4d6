"""the organisation: teams (总队/大队/小队, professional teams) and their members; practice
centres, institutes and stations (中心/所/站) with the units paired with them; service projects
and their sign-ups; posts and activities at a station and in a project

Revision ID: 0015_organisation_model
Revises: 0014_needs_residents
"""
import sqlalchemy as sa
from alembic import op

import app.models.base

revision = "0015_organisation_model"
down_revision = "0014_needs_residents"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "practice_places",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("address", sa.String(length=200), nullable=True),
        sa.Column("is_active", sa.Boolean(), server_default="1", nullable=False),
        sa.Column("created_at", app.models.base.UTCDateTime(), nullable=False),
        sa.CheckConstraint("level IN ('centre','institute','station')", name=op.f("ck_practice_places_level")),
        sa.CheckConstraint("(level = 'centre') = (parent_id IS NULL)", name=op.f("ck_practice_places_parent")),
        sa.ForeignKeyConstraint(["parent_id"], ["practice_places.id"],
                                name=op.f("fk_practice_places_parent_id_practice_places")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_practice_places")),
        sa.UniqueConstraint("name", name=op.f("uq_practice_places_name")),
    )
    op.create_index(op.f("ix_practice_places_parent_id"), "practice_places", ["parent_id"], unique=False)
    op.create_table(
        "place_pairings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("place_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("created_at", app.models.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["place_id"], ["practice_places.id"], ondelete="CASCADE",
                                name=op.f("fk_place_pairings_place_id_practice_places")),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_place_pairings_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_place_pairings")),
        sa.UniqueConstraint("place_id", "unit_id", name=op.f("uq_place_pairings_place_id")),
    )
    op.create_index(op.f("ix_place_pairings_unit_id"), "place_pairings", ["unit_id"], unique=False)
    op.create_table(
        "teams",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("level", sa.String(length=15), nullable=False),
        sa.Column("speciality", sa.String(length=50), nullable=True),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("station_id", sa.Integer(), nullable=True),
        sa.Column("is_active", sa.Boolean(), server_default="1", nullable=False),
        sa.Column("created_at", app.models.base.UTCDateTime(), nullable=False),
        sa.CheckConstraint("level IN ('corps','brigade','squad','professional')", name=op.f("ck_teams_level")),
        sa.CheckConstraint("(unit_id IS NULL) <> (station_id IS NULL)", name=op.f("ck_teams_one_owner")),
        sa.CheckConstraint("level <> 'professional' OR speciality IS NOT NULL", name=op.f("ck_teams_speciality")),
        sa.ForeignKeyConstraint(["parent_id"], ["teams.id"], name=op.f("fk_teams_parent_id_teams")),
        sa.ForeignKeyConstraint(["station_id"], ["practice_places.id"],
                                name=op.f("fk_teams_station_id_practice_places")),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_teams_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_teams")),
    )
    for column in ("parent_id", "unit_id", "station_id"):
        op.create_index(op.f(f"ix_teams_{column}"), "teams", [column], unique=False)
    op.create_table(
        "team_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("volunteer_id", sa.Integer(), nullable=False),
        sa.Column("is_leader", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("created_at", app.models.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], ondelete="CASCADE",
                                name=op.f("fk_team_members_team_id_teams")),
        sa.ForeignKeyConstraint(["volunteer_id"], ["volunteers.id"],
                                name=op.f("fk_team_members_volunteer_id_volunteers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_team_members")),
        sa.UniqueConstraint("team_id", "volunteer_id", name=op.f("uq_team_members_team_id")),
    )
    op.create_index(op.f("ix_team_members_volunteer_id"), "team_members", ["volunteer_id"], unique=False)
    op.create_table(
        "projects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("target_volunteers", sa.Integer(), nullable=True),
        sa.Column("target_beneficiaries", sa.Integer(), nullable=True),
        sa.Column("budget_source", sa.String(length=50), nullable=True),
        sa.Column("signup_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_at", app.models.base.UTCDateTime(), nullable=False),
        sa.CheckConstraint("(unit_id IS NULL) <> (team_id IS NULL)", name=op.f("ck_projects_one_owner")),
        sa.CheckConstraint("ends_on >= starts_on", name=op.f("ck_projects_period")),
        sa.CheckConstraint("target_volunteers IS NULL OR target_volunteers > 0",
                           name=op.f("ck_projects_target_volunteers")),
        sa.CheckConstraint("target_beneficiaries IS NULL OR target_beneficiaries > 0",
                           name=op.f("ck_projects_target_beneficiaries")),
        sa.ForeignKeyConstraint(["category_id"], ["service_categories.id"],
                                name=op.f("fk_projects_category_id_service_categories")),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name=op.f("fk_projects_team_id_teams")),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_projects_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_projects")),
    )
    for column in ("category_id", "unit_id", "team_id"):
        op.create_index(op.f(f"ix_projects_{column}"), "projects", [column], unique=False)
    op.create_table(
        "project_signups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("volunteer_id", sa.Integer(), nullable=False),
        sa.Column("created_at", app.models.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], ondelete="CASCADE",
                                name=op.f("fk_project_signups_project_id_projects")),
        sa.ForeignKeyConstraint(["volunteer_id"], ["volunteers.id"],
                                name=op.f("fk_project_signups_volunteer_id_volunteers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project_signups")),
        sa.UniqueConstraint("project_id", "volunteer_id", name=op.f("uq_project_signups_project_id")),
    )
    op.create_index(op.f("ix_project_signups_volunteer_id"), "project_signups", ["volunteer_id"], unique=False)
    for name in ("posts", "activities"):
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.add_column(sa.Column("station_id", sa.Integer(), nullable=True))
            batch_op.create_index(batch_op.f(f"ix_{name}_station_id"), ["station_id"], unique=False)
            batch_op.create_foreign_key(batch_op.f(f"fk_{name}_station_id_practice_places"),
                                        "practice_places", ["station_id"], ["id"])
            batch_op.add_column(sa.Column("project_id", sa.Integer(), nullable=True))
            batch_op.create_index(batch_op.f(f"ix_{name}_project_id"), ["project_id"], unique=False)
            batch_op.create_foreign_key(batch_op.f(f"fk_{name}_project_id_projects"),
                                        "projects", ["project_id"], ["id"])


def downgrade():
    for name in ("activities", "posts"):
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(f"fk_{name}_project_id_projects"), type_="foreignkey")
            batch_op.drop_index(batch_op.f(f"ix_{name}_project_id"))
            batch_op.drop_column("project_id")
            batch_op.drop_constraint(batch_op.f(f"fk_{name}_station_id_practice_places"), type_="foreignkey")
            batch_op.drop_index(batch_op.f(f"ix_{name}_station_id"))
            batch_op.drop_column("station_id")
    op.drop_table("project_signups")
    op.drop_table("projects")
    op.drop_table("team_members")
    op.drop_table("teams")
    op.drop_table("place_pairings")
    op.drop_table("practice_places")
