"""All models, imported here so Alembic and relationships see every table."""

from app.models.accounts import ROLES, ROLES_BY_NAME, ApiToken, LoginSession, User, Volunteer
from app.models.attendance import ServiceRecord
from app.models.audit import AuditEntry, LoginFailure
from app.models.bulletins import Bulletin, QuarterReview
from app.models.catalogues import ServiceCategory, Skill, VolunteerSkill
from app.models.certificates import Certificate
from app.models.incentives import Coupon, Merchant, Offer
from app.models.insurance import InsuranceCover, InsuranceCoverMember
from app.models.needs import Need, NeedSignup
from app.models.office import (
    OfficeTask,
    OfficeTaskUnit,
    Rectification,
    RectificationFile,
    ScoreScheme,
    ScoreSnapshot,
)
from app.models.offline import OfflineTap, TapDevice
from app.models.photos import Photo
from app.models.places import PlacePairing, PracticePlace
from app.models.posts import Activity, ActivitySignup, Post
from app.models.projects import Project, ProjectSignup
from app.models.records_io import ColumnMapping, ExportJob
from app.models.rollups import ServiceMonth, UnitStarCount, VolunteerMonth
from app.models.stars import StarEvent, StarThreshold
from app.models.system import JobClaim, JobRun, SchedulerLease, Setting
from app.models.teams import Team, TeamMember
from app.models.units import Unit

__all__ = [
    "ROLES",
    "ROLES_BY_NAME",
    "Activity",
    "ActivitySignup",
    "ApiToken",
    "AuditEntry",
    "Bulletin",
    "Certificate",
    "ColumnMapping",
    "Coupon",
    "ExportJob",
    "InsuranceCover",
    "InsuranceCoverMember",
    "JobClaim",
    "JobRun",
    "LoginFailure",
    "LoginSession",
    "Merchant",
    "Need",
    "NeedSignup",
    "Offer",
    "OfficeTask",
    "OfficeTaskUnit",
    "OfflineTap",
    "Photo",
    "PlacePairing",
    "Post",
    "PracticePlace",
    "Project",
    "ProjectSignup",
    "QuarterReview",
    "Rectification",
    "RectificationFile",
    "SchedulerLease",
    "ScoreScheme",
    "ScoreSnapshot",
    "ServiceCategory",
    "ServiceMonth",
    "ServiceRecord",
    "Setting",
    "Skill",
    "StarEvent",
    "StarThreshold",
    "TapDevice",
    "Team",
    "TeamMember",
    "Unit",
    "UnitStarCount",
    "User",
    "Volunteer",
    "VolunteerMonth",
    "VolunteerSkill",
]
