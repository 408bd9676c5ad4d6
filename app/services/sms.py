"""Text messages to phones (a guardian's consent link). The product talks to an SmsSender;
which one is configuration: SMS_SENDER = "log" (the default, for development and for
deployments without a gateway) or "package.module:factory" naming a gateway's adapter."""

from __future__ import annotations

import importlib
import logging
from typing import Protocol

from flask import current_app

from app.services.identity import mask_phone

log = logging.getLogger("app.sms")


class SmsSender(Protocol):
    def send(self, phone: str, text: str) -> None:
        """Deliver text to an 11-digit mainland mobile number, or raise."""


class LogSmsSender:
    """Writes the message to the log instead of sending it; the number is masked, so the
    log never holds a full phone number."""

    def send(self, phone: str, text: str) -> None:
        log.info("SMS (not sent, no gateway configured) to %s: %s", mask_phone(phone), text)


def is_configured() -> bool:
    """Whether messages really leave the building (a gateway is configured)."""
    return current_app.config.get("SMS_SENDER", "log") != "log"


def sender() -> SmsSender:
    name = current_app.config.get("SMS_SENDER", "log")
    if name == "log":
        return LogSmsSender()
    module, _, factory = name.partition(":")
    return getattr(importlib.import_module(module), factory)(current_app.config)


def send(phone: str, text: str) -> None:
    sender().send(phone, text)
