"""Every printed QR opens BASE_URL: `make run` derives it from HOST and PORT, and the post
pages warn an admin who reaches them at another address."""
import os
import subprocess
from pathlib import Path

from app.services import posts
from tests import factories as f

ROOT = Path(__file__).resolve().parents[2]


def test_make_run_points_the_qr_codes_at_its_own_port():
    env = {k: v for k, v in os.environ.items() if k != "BASE_URL"}
    dry = subprocess.run(["make", "-n", "run", "PORT=5301"], cwd=ROOT, env=env, capture_output=True, text=True,
                         check=True).stdout
    serve = next(line for line in dry.splitlines() if " run --host " in line)
    assert "--port 5301" in serve
    # the line as the shell runs it: BASE_URL follows PORT unless it was set
    command = serve.split(" .venv/bin/flask", 1)[0] + ' sh -c \'echo "$BASE_URL"\''
    assert subprocess.run(command, shell=True, env=env, capture_output=True, text=True).stdout.strip() == \
        "http://127.0.0.1:5301"
    chosen = dict(env, BASE_URL="https://zyx.example.gov.cn")
    assert subprocess.run(command, shell=True, env=chosen, capture_output=True, text=True).stdout.strip() == \
        "https://zyx.example.gov.cn"


def test_post_pages_warn_when_served_from_another_address_than_base_url(app, client, db):
    unit = f.unit("阳光社区")
    post = posts.create_post(unit.id, posts.PostInput(name="图书馆服务岗"), by=None)
    db.session.commit()
    f.login(client, f.unit_admin(unit))
    app.config["BASE_URL"] = "http://127.0.0.1:5000"  # the test client is http://localhost/
    for page in ("/admin/posts/", f"/admin/posts/{post.id}"):
        html = client.get(page).get_data(as_text=True)
        assert 'id="base-url-warning"' in html and "http://127.0.0.1:5000" in html, page
    app.config["BASE_URL"] = "http://localhost:80"
    for page in ("/admin/posts/", f"/admin/posts/{post.id}"):
        assert 'id="base-url-warning"' not in client.get(page).get_data(as_text=True), page
