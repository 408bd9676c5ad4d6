"""All models, imported here so Alembic and relationships see every table."""

from app.models.accounts import ROLES, ROLES_BY_NAME, ApiToken, LoginSession, User, Volunteer
from app.models.attendance import ServiceRecord
from app.models.audit import AuditEntry, LoginFailure
from app.models.bulletins import Bulletin, QuarterReview
from app.models.campaigns import Campaign, CampaignPostDay, Shift, ShiftAssignment
from app.models.catalogues import ServiceCategory, Skill, VolunteerSkill
from app.models.certificates import Certificate
from app.models.column import ColumnItem
from app.models.commendations import Commendation, HonourVote, Nominee, Objection
from app.models.contributions import Contribution, ContributionFile, ContributionTarget
from app.models.evidence import PostDay
from app.models.incentives import Coupon, Merchant, Offer
from app.models.insurance import InsuranceCover, InsuranceCoverMember
from app.models.needs import Need, NeedSignup
from app.models.notices import Notice, NoticeRead
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
from app.models.recruitment import ActivityApplication, TeamApplication
from app.models.reports import ProblemReport, Supervisor
from app.models.reviews import PeriodReview
from app.models.rollups import ServiceMonth, UnitStarCount, VolunteerMonth
from app.models.stars import StarEvent, StarThreshold
from app.models.system import JobClaim, JobRun, SchedulerLease, Setting
from app.models.teams import Team, TeamMember
from app.models.units import Unit

__all__ = [
    "Activity",
    "ActivityApplication",
    "ActivitySignup",
    "ApiToken",
    "AuditEntry",
    "Bulletin",
    "Campaign",
    "CampaignPostDay",
    "Certificate",
    "ColumnItem",
    "ColumnMapping",
    "Commendation",
    "Contribution",
    "ContributionFile",
    "ContributionTarget",
    "Coupon",
    "ExportJob",
    "HonourVote",
    "InsuranceCover",
    "InsuranceCoverMember",
    "JobClaim",
    "JobRun",
    "LoginFailure",
    "LoginSession",
    "Merchant",
    "Need",
    "NeedSignup",
    "Nominee",
    "Notice",
    "NoticeRead",
    "Objection",
    "Offer",
    "OfficeTask",
    "OfficeTaskUnit",
    "OfflineTap",
    "PeriodReview",
    "Photo",
    "PlacePairing",
    "Post",
    "PostDay",
    "PracticePlace",
    "ProblemReport",
    "Project",
    "ProjectSignup",
    "QuarterReview",
    "ROLES",
    "ROLES_BY_NAME",
    "Rectification",
    "RectificationFile",
    "SchedulerLease",
    "ScoreScheme",
    "ScoreSnapshot",
    "ServiceCategory",
    "ServiceMonth",
    "ServiceRecord",
    "Setting",
    "Shift",
    "ShiftAssignment",
    "Skill",
    "StarEvent",
    "StarThreshold",
    "Supervisor",
    "TapDevice",
    "Team",
    "TeamApplication",
    "TeamMember",
    "Unit",
    "UnitStarCount",
    "User",
    "Volunteer",
    "VolunteerMonth",
    "VolunteerSkill",
]
