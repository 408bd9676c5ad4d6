"""Shared pieces of the API doors: schemas that refuse unknown fields, bearer auth,
operation ids, and JSON helpers."""

from __future__ import annotations

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from app.auth_state import token_required
from app.extensions import ErrorBody
from app.services.clock import iso
from app.services.inputs import INT_MAX, SANE_MAX_YEAR, SANE_MIN_YEAR, has_bad_chars

ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "fields": {
                    "type": "object",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                },
            },
        }
    },
}


def _refuse_bad_chars(value: str) -> str:
    if has_bad_chars(value):
        from flask_babel import gettext as _

        raise ValidationError(_("不能包含空字符或无效的Unicode字符"))
    return value


class Text(fields.String):
    """Every string of every API schema: NUL and lone surrogates are refused (422)."""

    def _deserialize(self, value, attr, data, **kwargs):
        return _refuse_bad_chars(super()._deserialize(value, attr, data, **kwargs))


class EmailText(fields.Email):
    def _deserialize(self, value, attr, data, **kwargs):
        return _refuse_bad_chars(super()._deserialize(value, attr, data, **kwargs))


class Int(fields.Integer):
    """An integer that is one: 2.5 is refused, not truncated; bounded to the database's INTEGER."""

    def __init__(self, *args, **kwargs):
        if not any(isinstance(v, validate.Range) for v in _as_list(kwargs.get("validate"))):
            kwargs["validate"] = [*_as_list(kwargs.get("validate")), validate.Range(-INT_MAX - 1, INT_MAX)]
        super().__init__(*args, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, float) and not value.is_integer():
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


class Bool(fields.Boolean):
    """true or false, not 0, 1 or "yes": what the document says a boolean is."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


def Id(**kwargs) -> Int:
    """A row id: 1..2^31-1 (a bigger one can name no row)."""
    return Int(validate=validate.Range(1, INT_MAX), **kwargs)


def OptionalText(max_length: int, **kwargs) -> Text:
    """A string that may be left out or null, of at most max_length characters."""
    return Text(load_default=None, allow_none=True, validate=validate.Length(max=max_length), **kwargs)


def _as_list(value) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


class _SaneYears:
    def _deserialize(self, value, attr, data, **kwargs):
        result = super()._deserialize(value, attr, data, **kwargs)
        if not SANE_MIN_YEAR <= result.year <= SANE_MAX_YEAR:
            from flask_babel import gettext as _

            raise ValidationError(_("日期超出合理范围（%(a)d–%(b)d年）", a=SANE_MIN_YEAR, b=SANE_MAX_YEAR))
        return result


class Moment(_SaneYears, fields.AwareDateTime):
    """A date and time with an offset (without one it is local), in a sane range of years."""


class LocalMoment(_SaneYears, fields.DateTime):
    """A date and time, with or without offset, in a sane range of years."""


class Instant(Text):
    """A moment in an answer: local time in ISO 8601 with its offset, to the second."""

    def _serialize(self, value, attr, obj, **kwargs):
        return iso(value)


class StrictSchema(Schema):
    """Unknown fields are an error, not silently dropped."""

    class Meta:
        unknown = RAISE


class IdResult(StrictSchema):
    id = Id()


DB_UNAVAILABLE_503 = {
    "description": "The database is unreachable (code db_unavailable): retry after Retry-After seconds",
    "headers": {"Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}},
}


def operation(blp, operation_id: str, *roles: str, public: bool = False, limited=None):
    """Name an operation in the OpenAPI document, require a bearer token of roles, and document
    the 503 every operation answers while the database is down (app.db_unavailable). `limited`:
    a rate limit of app.rate_limits, checked first, with its 429 documented."""

    def decorator(view):
        doc = {"operationId": operation_id}
        if not public:
            doc["security"] = [{"bearerAuth": []}]
            view = token_required(*roles)(view)
        view = blp.alt_response(503, schema=ErrorBody, **DB_UNAVAILABLE_503)(view)
        view = blp.doc(**doc)(view)
        if limited is not None:
            from app.rate_limits import documented_429

            view = limited(documented_429(blp)(view))
        return view

    return decorator


__all__ = [
    "ERROR_SCHEMA",
    "Bool",
    "EmailText",
    "ErrorBody",
    "Id",
    "IdResult",
    "Instant",
    "Int",
    "LocalMoment",
    "Moment",
    "OptionalText",
    "StrictSchema",
    "Text",
    "operation",
]
