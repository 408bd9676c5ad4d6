"""Admins' search of volunteers by what they are and what they did: exact name, number or
phone, a skill they have, a service category they served in."""

from __future__ import annotations

from sqlalchemy import Select, and_, exists, or_, select

from app.models import Activity, Post, ServiceRecord, Volunteer, VolunteerSkill


def served_in_category(category_id: int):
    """An EXISTS clause: the volunteer has an approved record whose activity, or else post,
    carries the category."""
    return exists(
        select(ServiceRecord.id)
        .outerjoin(Activity, Activity.id == ServiceRecord.activity_id)
        .outerjoin(Post, Post.id == ServiceRecord.post_id)
        .where(
            ServiceRecord.volunteer_id == Volunteer.id,
            ServiceRecord.status == "approved",
            or_(
                Activity.category_id == category_id,
                and_(ServiceRecord.activity_id.is_(None), Post.category_id == category_id),
            ),
        )
    )


def filtered(stmt: Select, filters: dict) -> Select:
    if name := (filters.get("name") or "").strip():
        stmt = stmt.where(Volunteer.name.like(f"%{name}%"))
    if number := (filters.get("volunteer_no") or "").strip():
        stmt = stmt.where(Volunteer.volunteer_no == number)
    if phone := (filters.get("phone") or "").strip():
        stmt = stmt.where(Volunteer.phone == phone)
    if (skill_id := filters.get("skill_id")) is not None:
        stmt = stmt.where(
            exists(
                select(VolunteerSkill.id).where(
                    VolunteerSkill.volunteer_id == Volunteer.id, VolunteerSkill.skill_id == skill_id
                )
            )
        )
    if (category_id := filters.get("category_id")) is not None:
        stmt = stmt.where(served_in_category(category_id))
    return stmt


__all__ = ["filtered", "served_in_category"]
