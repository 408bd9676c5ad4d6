"""flask users create and flask demo."""
from sqlalchemy import func, select

from app.models import Unit, User, Volunteer
from app.services import accounts
from tests import factories as f


def test_users_create(app, db):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "create", "--role", "platform_admin", "--username", "root",
                                 "--password", "root-pass-1", "--name", "管理员"])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.username == "root"))
    assert user.role == "platform_admin" and accounts.check_password(user, "root-pass-1")


def test_users_create_unit_admin_needs_a_unit(app, db):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "create", "--role", "unit_admin", "--username", "ua1",
                                 "--password", "ua-pass-12"])
    assert result.exit_code != 0 and "unit_id" in result.output
    unit = f.unit()
    result = runner.invoke(args=["users", "create", "--role", "unit_admin", "--username", "ua1",
                                 "--password", "ua-pass-12", "--unit", str(unit.id)])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(User).where(User.username == "ua1")).unit_id == unit.id


def test_users_create_refuses_short_password_and_duplicates(app, db):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["users", "create", "--role", "merchant", "--username", "shop1",
                               "--password", "short"]).exit_code != 0
    args = ["users", "create", "--role", "merchant", "--username", "shop1", "--password", "long-enough-1"]
    assert runner.invoke(args=args).exit_code == 0
    result = runner.invoke(args=args)
    assert result.exit_code != 0 and "已被使用" in result.output


def test_demo_is_idempotent_and_logins_work(app, db, client):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    counts = [db.session.scalar(select(func.count()).select_from(m)) for m in (User, Unit, Volunteer)]
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0 and "nothing changed" in second.output
    assert [db.session.scalar(select(func.count()).select_from(m)) for m in (User, Unit, Volunteer)] == counts
    assert counts[1] >= 2
    from app.demo import LOGINS
    for role, username, password in LOGINS:
        user = db.session.scalar(select(User).where(User.username == username))
        assert user is not None and user.role == role, username
        assert accounts.check_password(user, password)


def test_perf_seed_makes_consistent_data(app, db):
    from app.services import ledger
    result = app.test_cli_runner().invoke(args=["perf", "seed", "--volunteers", "30", "--records", "90",
                                                "--units", "2"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(func.count(Volunteer.id))) == 30
    assert ledger.ledger_mismatches() == []
    from app import perf
    numbers = {perf._id_number(n) for n in range(0, 60000, 7)}
    assert len(numbers) == len(range(0, 60000, 7))
