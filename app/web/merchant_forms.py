"""Forms shared by the merchant's own pages and the platform admin's merchant pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.services.clock import local, parse_local
from app.services.incentives import offers
from app.web.forms import BaseForm


class OfferForm(BaseForm):
    title = StringField(_l("优惠标题"), validators=[DataRequired(), Length(max=100)])
    description = TextAreaField(_l("说明"), validators=[Optional(), Length(max=2000)])
    min_star = SelectField(
        _l("最低星级"), coerce=int, choices=[SelectChoice(i, _l("%(n)d星", n=i)) for i in range(1, 6)]
    )
    quantity = IntegerField(
        _l("总量（留空为不限）"), validators=[Optional(), NumberRange(min=0, max=1_000_000)]
    )
    per_volunteer_limit = IntegerField(
        _l("每人限领（留空为不限）"), default=1, validators=[Optional(), NumberRange(min=1, max=1000)]
    )
    limit_period = SelectField(
        _l("限领周期"), choices=[SelectChoice("month", _l("每月")), SelectChoice("total", _l("活动期内"))]
    )
    valid_from = DateTimeLocalField(_l("开始时间"), format="%Y-%m-%dT%H:%M", validators=[Optional()])
    valid_until = DateTimeLocalField(_l("结束时间"), format="%Y-%m-%dT%H:%M", validators=[Optional()])
    is_active = BooleanField(_l("上架"), default=True)
    submit = SubmitField(_l("保存"))

    def to_input(self) -> offers.OfferInput:
        return offers.OfferInput(
            title=self.title.data,
            description=self.description.data,
            min_star=self.min_star.data,
            quantity=self.quantity.data,
            per_volunteer_limit=self.per_volunteer_limit.data,
            limit_period=self.limit_period.data,
            valid_from=parse_local(self.valid_from.data) if self.valid_from.data else None,
            valid_until=parse_local(self.valid_until.data) if self.valid_until.data else None,
            is_active=self.is_active.data,
        )

    def fill(self, offer) -> None:
        if offer.valid_from:
            self.valid_from.data = local(offer.valid_from).replace(tzinfo=None)
        if offer.valid_until:
            self.valid_until.data = local(offer.valid_until).replace(tzinfo=None)
