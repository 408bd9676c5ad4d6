"""Catalogues kept by the platform admin: service categories (服务类别) and skills (专业技能)."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from app.extensions import Model
from app.models.base import created, intpk, on_by_default

# The common categories every new deployment starts with (the migration seeds them):
# (name, English name), in display order.
DEFAULT_CATEGORIES = (
    ("扶老助残", "Care for the elderly and disabled"),
    ("助学支教", "Education support"),
    ("医疗卫生", "Health care"),
    ("法律服务", "Legal services"),
    ("文明劝导", "Civility guidance"),
    ("交通劝导", "Traffic guidance"),
    ("环境保护", "Environmental protection"),
    ("科普宣传", "Science outreach"),
    ("文化体育", "Culture and sports"),
    ("应急救援", "Emergency rescue"),
    ("无偿献血", "Blood donation"),
    ("社区服务", "Community service"),
)


class CatalogueEntry:
    """An entry of a catalogue the platform admin keeps: named in Chinese, with an optional
    English name, in an order; an inactive entry is kept for what already carries it but
    offered for nothing new."""

    id: Mapped[intpk]
    name: Mapped[str] = mapped_column(String(30), unique=True)
    name_en: Mapped[str | None] = mapped_column(String(60))
    position: Mapped[int] = mapped_column(default=0, server_default="0")
    active: Mapped[on_by_default]
    created_at: Mapped[created]

    @property
    def label(self) -> str:
        """The name in the reader's language (English when there is one and English is chosen)."""
        from flask_babel import get_locale

        try:
            english = get_locale() is not None and get_locale().language == "en"
        except RuntimeError:  # outside a request
            english = False
        return self.name_en if english and self.name_en else self.name

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.id} {self.name}>"


class ServiceCategory(CatalogueEntry, Model):
    """What a service is about; posts, activities (and projects, needs) carry one."""

    __tablename__ = "service_categories"


class Categorised:
    """A service that may carry a category (a post, an activity, a project)."""

    category_id: Mapped[int | None] = mapped_column(ForeignKey("service_categories.id"), index=True)

    @declared_attr
    def category(cls) -> Mapped[ServiceCategory | None]:
        return relationship("ServiceCategory")


# Professional skills (专业技能) volunteers choose from; the migration seeds them.
DEFAULT_SKILLS = (
    ("医生", "Doctor"),
    ("护士", "Nurse"),
    ("律师", "Lawyer"),
    ("教师", "Teacher"),
    ("社会工作者", "Social worker"),
    ("心理咨询师", "Counsellor"),
    ("电工", "Electrician"),
    ("手语", "Sign language"),
    ("驾驶员", "Driver"),
    ("应急救护", "First aid"),
    ("外语翻译", "Interpreter"),
)


class Skill(CatalogueEntry, Model):
    """A professional skill in the catalogue (doctor, lawyer, sign language…)."""

    __tablename__ = "skills"


class VolunteerSkill(Model):
    """A skill a volunteer has, with an optional note (a licence or certificate number)."""

    __tablename__ = "volunteer_skills"
    __table_args__ = (UniqueConstraint("volunteer_id", "skill_id"),)

    id: Mapped[intpk]
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteers.id", ondelete="CASCADE"))
    skill_id: Mapped[int] = mapped_column(ForeignKey("skills.id"), index=True)
    note: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[created]

    skill: Mapped[Skill] = relationship("Skill", lazy="joined")
