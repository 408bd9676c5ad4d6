"""Extensions, created bare and bound to the application in create_app()."""

from typing import TYPE_CHECKING, Any, cast

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_mailman import Mail
from flask_migrate import Migrate
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from marshmallow import INCLUDE, Schema, fields
from sqlalchemy import CursorResult, Executable, MetaData
from sqlalchemy.orm import DeclarativeBase

# Stable constraint names, so Alembic migrations work on SQLite (batch mode) and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class ErrorDetail(Schema):
    class Meta:
        unknown = INCLUDE  # some errors say more (e.g. the star level an offer needs)

    code = fields.String(required=True)
    message = fields.String(required=True)
    # A declared field (the body's "fields" key), which marshmallow takes off the class; its stubs
    # see Schema.fields, the dict of an instance's fields.
    fields = fields.Dict(keys=fields.String(), values=fields.List(fields.String()), required=True)  # type: ignore[assignment]


class ErrorBody(Schema):
    """The body of every error answer, {"error": {"code", "message", "fields"}} (app.errors);
    the OpenAPI document gives it as the default response and the 422 of every operation."""

    error = fields.Nested(ErrorDetail, required=True)


class JsonErrorApi(Api):
    """flask-smorest without its global HTTP error handlers: app.errors owns every error."""

    ERROR_SCHEMA = ErrorBody

    def _register_error_handlers(self):
        pass


db = SQLAlchemy(model_class=Base)
# The models' base class; db.Model is a value to type checkers, so they are told it is Base.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model


def execute_dml(statement: Executable) -> CursorResult[Any]:
    """Run an UPDATE or DELETE in the session; its result is a cursor result with a rowcount
    (Session.execute is typed as returning a plain Result)."""
    return cast(CursorResult[Any], db.session.execute(statement))


migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
api = JsonErrorApi()
# Storage, switches and limits come from the config when create_app() binds it (app.rate_limits).
limiter = Limiter(key_func=get_remote_address)
mail = Mail()
