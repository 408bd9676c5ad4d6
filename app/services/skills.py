"""Professional skills (专业技能): the catalogue, a volunteer's own skills with notes, and the
order in which an activity's staff are picked (holders of the skill it asks for first)."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from app.extensions import db
from app.models import User, Volunteer, VolunteerSkill
from app.services import audit
from app.services.catalogues import SKILLS
from app.services.errors import ValidationFailed

NOTE_MAX = 100
MAX_SKILLS = 20


# The catalogue's rules are app.services.catalogues'; these are the names the code calls them by.
list_skills = SKILLS.entries
check_choice = SKILLS.check_choice
choices = SKILLS.choices


def clean_note(note: str | None) -> str | None:
    return " ".join((note or "").split()) or None


def set_skills(
    volunteer: Volunteer, wanted: dict[int, str | None], *, by: User | None
) -> list[VolunteerSkill]:
    """Replace the volunteer's skills with `wanted` ({skill id: note}). A skill must be in the
    catalogue and active (a retired one only when already held); notes are trimmed, at most
    NOTE_MAX characters."""
    held = {vs.skill_id: vs for vs in volunteer.skills}
    fields: dict[str, list[str]] = {}
    if len(wanted) > MAX_SKILLS:
        fields["skills"] = [_("最多填写%(n)d项专业技能", n=MAX_SKILLS)]
    notes: dict[int, str | None] = {}
    for skill_id, note in wanted.items():
        if check_choice(skill_id, current=skill_id if skill_id in held else None):
            fields["skills"] = [_("请从目录中选择专业技能")]
            continue
        cleaned = notes[skill_id] = clean_note(note)
        if cleaned and len(cleaned) > NOTE_MAX:
            fields["skills"] = [_("技能说明不能超过%(n)d字", n=NOTE_MAX)]
    if fields:
        raise ValidationFailed(fields=fields)
    for skill_id, link in held.items():
        if skill_id not in notes:
            volunteer.skills.remove(link)
    for skill_id, note in notes.items():
        if skill_id in held:
            held[skill_id].note = note
        else:
            volunteer.skills.append(VolunteerSkill(skill_id=skill_id, note=note))
    db.session.flush()
    audit.log("volunteer.skills_set", volunteer, by=by, unit_id=volunteer.unit_id, skills=sorted(notes))
    return list(volunteer.skills)


def holders_first(volunteer_ids: list[int], skill_id: int | None) -> list[int]:
    """The ids in their order, those who have the skill moved to the front (stable)."""
    if skill_id is None or not volunteer_ids:
        return list(volunteer_ids)
    holders = set(
        db.session.scalars(
            select(VolunteerSkill.volunteer_id).where(
                VolunteerSkill.skill_id == skill_id, VolunteerSkill.volunteer_id.in_(volunteer_ids)
            )
        )
    )
    return [v for v in volunteer_ids if v in holders] + [v for v in volunteer_ids if v not in holders]


def holds(volunteer: Volunteer, skill_id: int | None) -> bool:
    return skill_id is not None and any(vs.skill_id == skill_id for vs in volunteer.skills)
