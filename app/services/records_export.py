"""Exporting service records of a unit or the city for a period, as XLSX or CSV, in the
background: the rows are read in keyset-paged batches and written straight to a file, so
memory stays bounded however many records there are (10 M included); the job keeps its
progress for the page that waits on it.

ID numbers are masked; a full-ID export is the platform admin's only, after entering the
password again, and the audit trail keeps who asked for it, for which unit and period."""

from __future__ import annotations

import contextlib
import csv
import logging
import secrets
import threading
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from flask import Flask
from flask_babel import gettext as _
from openpyxl import Workbook
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import joinedload

from app.extensions import db, execute_dml
from app.models import ExportJob, ServiceRecord, Unit, User
from app.services import accounts, audit, export_profiles, identity, uploads
from app.services.clock import local, now, start_of_day
from app.services.errors import Forbidden, NotFound, ValidationFailed, get_or_404
from app.services.spreadsheets import safe_text

log = logging.getLogger("app.exports")
BATCH = 2000
SHEET_ROWS = 1_000_000  # an XLSX sheet holds 1,048,576 rows: a longer export goes on
KEEP_DAYS = 7
MAX_DAYS = 366 * 5
ID_TYPE = "居民身份证"
STALE_AFTER = timedelta(minutes=5)  # a running export beats at every batch
QUEUED_GRACE = timedelta(minutes=2)  # a queued export's thread starts at once
MAX_ATTEMPTS = 3
INTERRUPTED = "导出多次中断，请重新导出"
STATUS_LABELS = {"approved": "已通过", "pending": "待审核", "rejected": "未通过", "open": "进行中"}


@dataclass
class ExportRequest:
    date_from: date
    date_to: date
    unit_id: int | None = None  # None: the whole city (platform admin)
    file_format: str = "xlsx"
    profile: str = "standard"
    status: str | None = "approved"  # None: every status
    full_ids: bool = False
    password: str | None = None


def _scope(req: ExportRequest, by: User) -> int | None:
    if by.role == "unit_admin":
        if req.unit_id not in (None, by.unit_id):
            raise Forbidden(_("您只能导出本单位的记录"))
        return by.unit_id
    if by.role != "platform_admin":
        raise Forbidden()
    if req.unit_id is not None:
        get_or_404(Unit, req.unit_id)
    return req.unit_id


def _records(job: ExportJob):
    stmt = select(ServiceRecord).where(
        ServiceRecord.started_at >= start_of_day(job.date_from),
        ServiceRecord.started_at < start_of_day(job.date_to + timedelta(days=1)),
    )
    if job.unit_id is not None:
        stmt = stmt.where(ServiceRecord.unit_id == job.unit_id)
    if job.status_filter:
        stmt = stmt.where(ServiceRecord.status == job.status_filter)
    return stmt


def request_export(req: ExportRequest, *, by: User) -> ExportJob:
    """Queue an export; the caller starts it (start_in_background) once this is committed."""
    unit_id = _scope(req, by)
    fields: dict[str, list[str]] = {}
    if req.date_to < req.date_from:
        fields["date_to"] = [_("结束日期不能早于开始日期")]
    elif (req.date_to - req.date_from).days > MAX_DAYS:
        fields["date_to"] = [_("一次最多导出5年的记录")]
    if req.file_format not in ("xlsx", "csv"):
        fields["file_format"] = [_("格式无效")]
    if req.profile not in export_profiles.PROFILES:
        fields["profile"] = [_("导出格式无效")]
    if req.status not in (None, *STATUS_LABELS):
        fields["status"] = [_("状态无效")]
    if fields:
        raise ValidationFailed(fields=fields)
    if req.full_ids:
        if by.role != "platform_admin":
            raise Forbidden(_("只有平台管理员可以导出完整身份证号"))
        if not req.password or not accounts.check_password(by, req.password):
            raise ValidationFailed(
                _("密码不正确"), fields={"password": [_("密码不正确，导出完整身份证号须重新输入密码")]}
            )
    job = ExportJob(
        requested_by_id=by.id,
        unit_id=unit_id,
        date_from=req.date_from,
        date_to=req.date_to,
        status_filter=req.status,
        profile=req.profile,
        file_format=req.file_format,
        full_ids=req.full_ids,
        status="queued",
        created_at=now(),
    )
    db.session.add(job)
    db.session.flush()
    job.total = db.session.scalar(select(func.count()).select_from(_records(job).subquery())) or 0
    audit.log(
        "records.export_requested",
        job,
        by=by,
        unit_id=unit_id,
        full_ids=req.full_ids,
        profile=req.profile,
        date_from=req.date_from.isoformat(),
        date_to=req.date_to.isoformat(),
        records=job.total,
    )
    return job


def get_job(job_id: int, *, by: User) -> ExportJob:
    """An export job its requester may see; anyone else's answers like a missing one."""
    return get_or_404(ExportJob, job_id, _("导出任务不存在"), requested_by_id=by.id)


def _cell(code: str, record: ServiceRecord, full_ids: bool):
    volunteer, post, activity = record.volunteer, record.post, record.activity
    if code == "record_no":
        return record.id
    if code == "name":
        return volunteer.name
    if code == "id_type":
        return ID_TYPE
    if code == "id_number":
        return identity.decrypt(volunteer.id_number_encrypted) if full_ids else volunteer.id_number_masked
    if code == "volunteer_no":
        return volunteer.volunteer_no
    if code == "content":
        return record.note or (activity.title if activity else "")
    if code == "started_at":
        return local(record.started_at).strftime("%Y-%m-%d %H:%M")
    if code == "ended_at":
        return local(record.ended_at).strftime("%Y-%m-%d %H:%M") if record.ended_at else ""
    if code == "hours":
        return record.hours
    if code == "place":
        return (post.address or post.name) if post else ""
    if code == "evaluation":
        return "合格" if record.status == "approved" else ""
    if code == "project":
        return activity.title if activity else ""
    if code == "post":
        return post.name if post else ""
    if code == "unit":
        return record.unit.name
    if code == "status":
        return STATUS_LABELS.get(record.status, record.status)
    return ""


class _XlsxOut:
    """A write-only workbook: rows go to a temporary file as they come (strings inline, no
    shared-string table), so memory does not grow with the export."""

    def __init__(self, path: Path, header: list[str]):
        self.path, self.header = path, header
        self.book = Workbook(write_only=True)
        self.rows = 0
        self.sheets = 0

    def _new_sheet(self) -> None:
        self.sheets += 1
        self.sheet = self.book.create_sheet("服务记录" + (str(self.sheets) if self.sheets > 1 else ""))
        self.sheet.append(self.header)
        self.rows = 0

    def write(self, row: list) -> None:
        if self.sheets == 0 or self.rows >= SHEET_ROWS:
            self._new_sheet()
        self.sheet.append(row)
        self.rows += 1

    def close(self) -> None:
        if self.sheets == 0:
            self._new_sheet()  # an empty export still has its header
        self.book.save(self.path)


class _CsvOut:
    def __init__(self, path: Path, header: list[str]):
        # UTF-8 with a BOM: Excel and WPS open it as UTF-8
        self.handle = path.open("w", encoding="utf-8-sig", newline="")
        self.writer = csv.writer(self.handle)
        self.writer.writerow(header)

    def write(self, row: list) -> None:
        self.writer.writerow(row)

    def close(self) -> None:
        self.handle.close()


def _folder() -> Path:
    folder = uploads.private_folder("exports")
    limit = (now() - timedelta(days=KEEP_DAYS)).timestamp()
    for old in folder.iterdir():
        with contextlib.suppress(OSError):
            if old.stat().st_mtime < limit:
                old.unlink()
    return folder


def _claim(job_id: int) -> ExportJob | None:
    """queued → running, for one runner only (a compare-and-set: a resumer and a late thread
    cannot both run the job)."""
    taken = execute_dml(
        update(ExportJob)
        .where(ExportJob.id == job_id, ExportJob.status == "queued")
        .values(status="running", done=0, heartbeat_at=now())
    )
    db.session.commit()
    return db.session.get(ExportJob, job_id) if taken.rowcount == 1 else None


def run_export(job_id: int) -> ExportJob:
    """Write the job's file; a job door: it commits its own progress, batch by batch."""
    job = _claim(job_id)
    if job is None:
        raise NotFound(_("导出任务不存在"))
    name = f"export-{job.id}-{secrets.token_hex(8)}.{job.file_format}"
    path = _folder() / name
    cols = export_profiles.columns(job.profile)
    header = [title for _code, title in cols]
    out = _XlsxOut(path, header) if job.file_format == "xlsx" else _CsvOut(path, header)
    try:
        last_id = 0
        while True:
            batch = db.session.scalars(
                _records(job)
                .where(ServiceRecord.id > last_id)
                .order_by(ServiceRecord.id)
                .limit(BATCH)
                .options(
                    joinedload(ServiceRecord.volunteer),
                    joinedload(ServiceRecord.post),
                    joinedload(ServiceRecord.activity),
                    joinedload(ServiceRecord.unit),
                )
            ).all()
            if not batch:
                break
            for record in batch:
                out.write([safe_text(_cell(code, record, job.full_ids)) for code, _title in cols])
            last_id = batch[-1].id
            job.done += len(batch)
            job.total = max(job.total, job.done)
            job.heartbeat_at = now()
            db.session.commit()  # progress for the waiting page; the session holds loaded rows weakly
        out.close()
    except Exception as exc:
        db.session.rollback()
        path.unlink(missing_ok=True)
        failed = db.session.get(ExportJob, job_id)
        assert failed is not None, "the job row is made before its thread starts"
        failed.status, failed.message, failed.finished_at = "failed", str(exc)[:500], now()
        db.session.commit()
        raise
    job.status, job.file_name, job.finished_at = "done", name, now()
    db.session.commit()
    return job


def _stalled(at: datetime):
    """Queued and never started, or running without a beat: the process that ran it died."""
    return or_(
        and_(ExportJob.status == "queued", ExportJob.created_at < at - QUEUED_GRACE),
        and_(
            ExportJob.status == "running",
            func.coalesce(ExportJob.heartbeat_at, ExportJob.created_at) < at - STALE_AFTER,
        ),
    )


def resume_stalled(at: datetime) -> dict:
    """Exports whose process died (a restart, a crash) run again here, from the start; one
    that has had MAX_ATTEMPTS fails with a message the waiting page shows. A job door: commits."""
    gave_up = execute_dml(
        update(ExportJob)
        .where(_stalled(at), ExportJob.attempts >= MAX_ATTEMPTS)
        .values(status="failed", message=INTERRUPTED, finished_at=at)
    ).rowcount
    ids = list(db.session.scalars(select(ExportJob.id).where(_stalled(at)).order_by(ExportJob.id)))
    db.session.commit()
    resumed = 0
    for job_id in ids:
        back = execute_dml(
            update(ExportJob)
            .where(ExportJob.id == job_id, _stalled(at))
            .values(status="queued", attempts=ExportJob.attempts + 1)
        )
        db.session.commit()
        if back.rowcount != 1:
            continue
        with contextlib.suppress(Exception):  # run_export marked it failed and logged nothing yet
            run_export(job_id)
            resumed += 1
    return {"resumed": resumed, "failed": gave_up}


def start_in_background(app: Flask, job_id: int) -> None:
    """Run the export in a thread of this process (call it after the job is committed)."""

    def work():
        with app.app_context():
            try:
                run_export(job_id)
            except Exception:
                log.exception("export %s failed", job_id)
            finally:
                db.session.remove()

    threading.Thread(target=work, name=f"export-{job_id}", daemon=True).start()


def export_file(job: ExportJob, *, by: User) -> tuple[Path, str]:
    """The finished file and its download name (reading it changes nothing: the full-ID export
    was audited when it was asked for)."""
    if job.status != "done" or not job.file_name:
        raise NotFound(_("导出尚未完成"))
    path = _folder() / job.file_name
    if not path.is_file():
        raise NotFound(_("导出文件已过期，请重新导出"))
    return path, f"service-records-{job.date_from:%Y%m%d}-{job.date_to:%Y%m%d}.{job.file_format}"
