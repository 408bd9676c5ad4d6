"""Static files: content-hashed URLs kept for a year, sent compressed (brotli or gzip)."""
import re

import brotli


def test_static_urls_carry_a_content_hash_and_are_kept_for_a_year(client, db):
    html = client.get("/login").get_data(as_text=True)
    css = re.search(r'href="(/static/vendor/bootstrap\.min\.css\?v=[0-9a-f]{12})"', html).group(1)
    response = client.get(css)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    # another version's URL (or none) is not the file named by its hash: revalidated every time
    stale = client.get("/static/vendor/bootstrap.min.css?v=000000000000")
    assert stale.status_code == 200 and "immutable" not in stale.headers["Cache-Control"]
    assert "bootstrap.bundle" not in html  # the pages use two small behaviours, not Bootstrap's script


def test_static_files_are_sent_compressed_and_pages_are_not(client, db):
    html = client.get("/login").get_data(as_text=True)
    css = re.search(r'href="(/static/vendor/bootstrap\.min\.css\?v=[0-9a-f]{12})"', html).group(1)
    plain = client.get(css, headers={"Accept-Encoding": "identity"})
    small = client.get(css, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert small.headers["Content-Encoding"] == "br" and "Accept-Encoding" in small.headers["Vary"]
    assert brotli.decompress(small.data) == plain.data and len(small.data) < len(plain.data) / 5
    assert client.get(css, headers={"Accept-Encoding": "gzip"}).headers["Content-Encoding"] == "gzip"
    # a revalidation of the compressed copy answers 304
    again = client.get(css, headers={"Accept-Encoding": "br", "If-None-Match": small.headers["ETag"]})
    assert again.status_code == 304
    # pages carry CSRF tokens: never compressed (BREACH)
    page = client.get("/login", headers={"Accept-Encoding": "gzip, br"})
    assert "Content-Encoding" not in page.headers
