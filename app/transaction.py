"""One transaction per request.

Every view runs inside the session's transaction, and this is the one place that ends it: a
response under 400 is committed before it is sent, anything else is rolled back. A view that
raises never commits (its error handler answers, and the session is removed at teardown).
Views therefore never call commit or rollback themselves; the few that must keep a write of a
failed request (a failed login's counter) commit it explicitly and say why.
"""

from __future__ import annotations

from flask import Flask
from flask.typing import ResponseReturnValue

from app.extensions import db


class TransactionalFlask(Flask):
    def dispatch_request(self) -> ResponseReturnValue:
        response = self.make_response(super().dispatch_request())
        # The commit runs inside dispatch, so its failures (a unique clash, the database
        # going away) reach the same error handlers as the view's own: 409, 503.
        if response.status_code < 400:
            db.session.commit()
        else:
            db.session.rollback()
        return response
