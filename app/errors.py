"""Every error, mapped once: to the API's JSON shape under /api/, to a Chinese page elsewhere."""

from __future__ import annotations

import logging

from flask import Flask, flash, jsonify, redirect, render_template, request
from flask_babel import gettext as _
from flask_limiter import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import DetachedInstanceError
from werkzeug.exceptions import HTTPException

from app.db_unavailable import UNAVAILABLE, safe_rollback, unavailable_response
from app.services.errors import CodeInvalid, DomainError

log = logging.getLogger(__name__)

HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    429: "rate_limited",
    500: "internal_error",
}


def wants_json() -> bool:
    return request.path.startswith("/api/")


def error_body(code: str, message: str, fields: dict | None = None, **extra) -> dict:
    error = {"code": code, "message": message, "fields": fields or {}}
    error.update(extra)
    return {"error": error}


def _http_messages(status: int) -> str:
    return {
        400: _("请求无效"),
        401: _("请先登录"),
        403: _("没有权限访问此页面"),
        404: _("页面不存在或已被删除"),
        405: _("不支持此请求方法"),
        409: _("与现有数据冲突"),
        413: _("上传的文件太大"),
        415: _("不支持的内容类型"),
        422: _("提交的内容有误"),
        429: _("请求过于频繁，请稍后再试"),
        500: _("系统出了点问题，请稍后再试"),
    }.get(status, _("请求无法完成"))


def _webargs_fields(exc: HTTPException) -> tuple[dict, str | None]:
    """Flatten webargs' {'json': {field: [msg]}} (or a list for malformed JSON)."""
    data = getattr(exc, "data", None) or {}
    messages = data.get("messages") or {}
    fields: dict[str, list[str]] = {}
    top_message = None
    for value in messages.values():
        if isinstance(value, dict):
            for name, msgs in value.items():
                if isinstance(msgs, dict):  # nested schema
                    msgs = [f"{k}: {', '.join(map(str, v))}" for k, v in msgs.items()]
                fields.setdefault(str(name), []).extend(
                    str(m) for m in (msgs if isinstance(msgs, list) else [msgs])
                )
        elif isinstance(value, list):
            top_message = "; ".join(map(str, value))
    return fields, top_message


def render_error_page(status: int, message: str | None, title: str | None = None, code: str | None = None):
    """The Chinese error page; `message` None when the title says it all."""
    try:
        return render_template(
            "errors/error.html",
            status=status,
            message=message,
            code=code,
            title=title or _http_messages(status),
        ), status
    except (*UNAVAILABLE, DetachedInstanceError):
        # the page's menu needs the user, and the database is gone (or its session was dropped
        # because the connection died, leaving the user unloadable)
        return unavailable_response()


def _retry_after() -> int:
    """Seconds until the breached limit's window resets (at least 1)."""
    import time

    from app.extensions import limiter

    current = limiter.current_limit
    if current is None:
        return 60
    return max(1, int(current.reset_at - time.time()) + 1)


def init_app(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain_error(exc: DomainError):
        safe_rollback()
        retry_after = getattr(exc, "retry_after", None)
        headers = {"Retry-After": str(retry_after)} if retry_after else {}
        if wants_json():
            return jsonify(error_body(exc.code, exc.message, exc.fields, **exc.details)), exc.status, headers
        specific = exc.message != str(type(exc).default_message)
        if isinstance(exc, CodeInvalid):
            return render_error_page(exc.status, exc.message, title=_("二维码无法使用"), code=exc.code)
        body, status = render_error_page(exc.status, exc.message if specific else None, code=exc.code)
        return body, status, headers

    @app.errorhandler(CSRFError)
    def _csrf_error(exc: CSRFError):
        message = _("页面已过期或来源不明，请返回刷新后重试")
        if wants_json():
            return jsonify(error_body("csrf_failed", message)), 400
        return render_error_page(400, message, title=_("请刷新页面"))

    @app.errorhandler(RateLimitExceeded)
    def _rate_limited(exc: RateLimitExceeded):
        safe_rollback()
        headers = {"Retry-After": str(_retry_after())}
        message = _("请求过于频繁，请%(n)d秒后再试", n=int(headers["Retry-After"]))
        if wants_json():
            return jsonify(error_body("rate_limited", message)), 429, headers
        body, status = render_error_page(429, message, title=_("请求过于频繁"))
        return body, status, headers

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        status = exc.code or 500
        code = HTTP_CODES.get(status, "error")
        if wants_json():
            fields, top = _webargs_fields(exc)
            if status == 400 and top:
                message = _("请求体不是有效的JSON")
                code = "malformed_json"
            elif status == 422:
                message = _("提交的内容有误，请检查后重试")
            else:
                message = _http_messages(status)
            response = jsonify(error_body(code, message, fields))
            if status == 405 and exc.get_response().headers.get("Allow"):
                response.headers["Allow"] = exc.get_response().headers["Allow"]
            return response, status
        return render_error_page(status, _http_messages(status))

    @app.errorhandler(IntegrityError)
    def _integrity_error(exc: IntegrityError):
        """A unique (or other) constraint that a service's own check did not foresee, e.g. two
        racing requests: a 409, or the form again with a message, never a 500."""
        safe_rollback()
        log.warning("constraint violated on %s %s: %s", request.method, request.path, exc.orig)
        message = _("与现有数据冲突（可能已有同名或相同的记录），请检查后重试")
        if wants_json():
            return jsonify(error_body("conflict", message)), 409
        from app.web.forms import safe_back

        referrer = safe_back()
        if request.method == "POST" and referrer:
            flash(message, "danger")
            return redirect(referrer, code=303)
        return render_error_page(409, message)

    @app.errorhandler(RecursionError)
    def _too_deep(exc: RecursionError):
        """JSON nested deeper than the parser recurses (e.g. 100,000 "[")."""
        safe_rollback()
        message = _("请求体不是有效的JSON")
        if wants_json():
            return jsonify(error_body("malformed_json", message)), 400
        return render_error_page(400, message)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        if isinstance(exc, HTTPException):
            return _http_error(exc)
        safe_rollback()
        log.exception("unhandled error on %s %s", request.method, request.path)
        if wants_json():
            return jsonify(error_body("internal_error", _http_messages(500))), 500
        return render_error_page(500, _http_messages(500))
