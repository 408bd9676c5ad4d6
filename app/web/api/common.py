"""Shared pieces of the API doors: schemas that refuse unknown fields, bearer auth,
operation ids, and JSON helpers."""
from __future__ import annotations

from functools import wraps

from marshmallow import RAISE, Schema, fields, validate

from app.auth_state import token_required
from app.services.clock import iso

ERROR_SCHEMA = {
    "type": "object",
    "properties": {"error": {"type": "object", "properties": {
        "code": {"type": "string"}, "message": {"type": "string"},
        "fields": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
    }}},
}


class StrictSchema(Schema):
    """Unknown fields are an error, not silently dropped."""

    class Meta:
        unknown = RAISE


def operation(blp, operation_id: str, *roles: str, public: bool = False):
    """Name an operation in the OpenAPI document and require a bearer token of roles."""

    def decorator(view):
        doc = {"operationId": operation_id}
        if not public:
            doc["security"] = [{"bearerAuth": []}]
            view = token_required(*roles)(view)
        return blp.doc(**doc)(view)

    return decorator


def hours(seconds: int) -> float:
    return round((seconds or 0) / 3600, 2)


__all__ = ["ERROR_SCHEMA", "StrictSchema", "fields", "hours", "iso", "operation", "validate", "wraps"]
