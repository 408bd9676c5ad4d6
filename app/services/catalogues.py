"""The catalogues the platform admin keeps: service categories (服务类别), which posts,
activities, projects and needs choose from, and professional skills (专业技能), which volunteers
declare and activities ask for.

Both work the same way: add, rename, retire (made inactive: offered for nothing new, what
already carries it keeps it and keeps its figures) and remove, which only an entry that nothing
carries allows. Names are unique case-folded. Every change is in the audit trail."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, cast

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, select

from app.extensions import db
from app.models import ServiceCategory, Skill, User
from app.services import audit
from app.services.errors import Conflict, Forbidden, ValidationFailed

NAME_MAX = 30
NAME_EN_MAX = 60

Entry = ServiceCategory | Skill


@dataclass(frozen=True)
class Texts:
    """What a catalogue's pages and messages call things (lazy: shown in the reader's language)."""

    title: Any
    intro: Any
    add: Any
    back: Any
    name_label: Any
    name_required: Any  # with %(n)d, the longest name
    name_taken: Any
    in_use: Any  # with %(n)s, the entry's name
    only_platform: Any
    choose: Any


@dataclass(frozen=True)
class Catalogue:
    model: type[ServiceCategory] | type[Skill]
    kind: str  # the audit trail's prefix: category.created, skill.renamed…
    texts: Texts

    def entries(self, active_only: bool = False) -> list[Entry]:
        stmt = select(self.model).order_by(self.model.position, self.model.id)
        if active_only:
            stmt = stmt.where(self.model.active.is_(True))
        return list(db.session.scalars(stmt))

    def check_choice(self, entry_id: int | None, *, current: int | None = None) -> list[str]:
        """Messages for a chosen id: it must exist and be active (a retired one only when the
        thing already carries it). Empty when the choice is fine (None: nothing chosen)."""
        if entry_id is None:
            return []
        entry = cast("Entry | None", db.session.get(self.model, entry_id))
        if entry is None or (not entry.active and entry_id != current):
            return [str(self.texts.choose)]
        return []

    def choices(self, current: int | None = None) -> list[tuple[int, str]]:
        """(id, label) of the active entries, and of the current one when it is retired."""
        return [(e.id, e.label) for e in self.entries() if e.active or e.id == current]

    def _ensure_platform_admin(self, by: User | None) -> None:
        if by is not None and by.role != "platform_admin":
            raise Forbidden(str(self.texts.only_platform))

    def _clean(
        self, name: str | None, name_en: str | None, *, keep: Entry | None = None
    ) -> tuple[str, str | None]:
        name = " ".join((name or "").split())
        name_en = " ".join((name_en or "").split()) or None
        fields: dict[str, list[str]] = {}
        if not name or len(name) > NAME_MAX:
            fields["name"] = [self.texts.name_required % {"n": NAME_MAX}]
        else:
            clash = select(self.model.id).where(func.lower(self.model.name) == name.lower())
            if keep is not None:
                clash = clash.where(self.model.id != keep.id)
            if db.session.scalar(clash) is not None:
                fields["name"] = [str(self.texts.name_taken)]
        if name_en is not None and len(name_en) > NAME_EN_MAX:
            fields["name_en"] = [_l("英文名称不能超过%(n)d个字符") % {"n": NAME_EN_MAX}]
        if fields:
            raise ValidationFailed(fields=fields)
        return name, name_en

    def create(self, name: str, name_en: str | None = None, *, by: User | None) -> Entry:
        self._ensure_platform_admin(by)
        name, name_en = self._clean(name, name_en)
        position = (db.session.scalar(select(func.max(self.model.position))) or 0) + 1
        entry = self.model(name=name, name_en=name_en, position=position, active=True)
        db.session.add(entry)
        db.session.flush()
        audit.log(f"{self.kind}.created", entry, by=by, name=name)
        return entry

    def rename(self, entry: Entry, name: str, name_en: str | None = None, *, by: User | None) -> Entry:
        self._ensure_platform_admin(by)
        name, name_en = self._clean(name, name_en, keep=entry)
        old = entry.name
        entry.name, entry.name_en = name, name_en
        db.session.flush()
        audit.log(f"{self.kind}.renamed", entry, by=by, old=old, name=name)
        return entry

    def set_active(self, entry: Entry, active: bool, *, by: User | None) -> Entry:
        """Retire an entry (offered for nothing new; what carries it keeps it) or bring it back."""
        self._ensure_platform_admin(by)
        entry.active = active
        db.session.flush()
        audit.log(f"{self.kind}.enabled" if active else f"{self.kind}.disabled", entry, by=by)
        return entry

    def _referring_columns(self) -> Iterator[Any]:
        """Every column of every table that refers to this catalogue's ids."""
        for table in db.metadata.sorted_tables:
            for fk in table.foreign_keys:
                if fk.column.table.name == self.model.__tablename__:
                    yield fk.parent

    def in_use(self, entry: Entry) -> bool:
        return any(
            db.session.scalar(select(exists().where(column == entry.id)))
            for column in self._referring_columns()
        )

    def remove(self, entry: Entry, *, by: User | None) -> None:
        """Delete an entry nothing carries; one in use is refused (retire it instead)."""
        self._ensure_platform_admin(by)
        if self.in_use(entry):
            raise Conflict(self.texts.in_use % {"n": entry.name})
        audit.log(f"{self.kind}.removed", entry, by=by, name=entry.name)
        db.session.delete(entry)
        db.session.flush()


CATEGORIES = Catalogue(
    ServiceCategory,
    "category",
    Texts(
        title=_l("服务类别"),
        intro=_l(
            "服务岗、活动等从这里选择服务类别，通报按类别统计时长、记录和活动。已被使用的类别不能删除，可以停用。"
        ),
        add=_l("添加类别"),
        back=_l("返回服务类别"),
        name_label=_l("类别名称"),
        name_required=_l("请填写类别名称（不超过%(n)d字）"),
        name_taken=_l("已有同名的服务类别"),
        in_use=_l("服务类别“%(n)s”已被服务岗、活动等使用，不能删除；可以停用它"),
        only_platform=_l("只有平台管理员可以维护服务类别"),
        choose=_l("请从目录中选择服务类别"),
    ),
)

SKILLS = Catalogue(
    Skill,
    "skill",
    Texts(
        title=_l("专业技能"),
        intro=_l(
            "志愿者从这里填写自己的专业技能，活动按需要的技能优先安排持有者。已被使用的技能不能删除，可以停用。"
        ),
        add=_l("添加技能"),
        back=_l("返回专业技能"),
        name_label=_l("技能名称"),
        name_required=_l("请填写技能名称（不超过%(n)d字）"),
        name_taken=_l("已有同名的专业技能"),
        in_use=_l("专业技能“%(n)s”已被志愿者或活动使用，不能删除；可以停用它"),
        only_platform=_l("只有平台管理员可以维护专业技能"),
        choose=_l("请从目录中选择专业技能"),
    ),
)
