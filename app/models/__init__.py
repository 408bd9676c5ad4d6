"""All models, imported here so Alembic and relationships see every table."""
from app.models.accounts import ROLES, ROLES_BY_NAME, ApiToken, LoginSession, User, Volunteer
from app.models.attendance import ServiceRecord
from app.models.audit import AuditEntry, LoginFailure
from app.models.bulletins import Bulletin, QuarterReview
from app.models.catalogues import ServiceCategory
from app.models.certificates import Certificate
from app.models.incentives import Coupon, Merchant, Offer
from app.models.posts import Activity, ActivitySignup, Post
from app.models.records_io import ColumnMapping, ExportJob
from app.models.stars import StarEvent, StarThreshold
from app.models.system import JobClaim, JobRun, SchedulerLease, Setting
from app.models.units import Unit

__all__ = [
    "ROLES", "ROLES_BY_NAME", "Activity", "ActivitySignup", "ApiToken", "AuditEntry", "Bulletin", "Certificate",
    "ColumnMapping", "Coupon", "ExportJob",
    "JobClaim", "JobRun", "LoginFailure", "LoginSession", "Merchant", "Offer", "Post", "QuarterReview",
    "SchedulerLease",
    "ServiceCategory", "ServiceRecord",
    "Setting", "StarEvent", "StarThreshold", "Unit", "User", "Volunteer",
]
