import io
import time

import pytest
import zxingcpp
from PIL import Image

from app.services import qr
from app.services.errors import CodeExpired, CodeInvalid


def decode(png_bytes: bytes) -> str:
    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(png_bytes)))
    assert results, "no QR found in the image"
    return results[0].text


def test_a_real_decoder_reads_the_url_back(app):
    url, expires = qr.make_url("post", {"p": 7, "v": 1})
    assert expires is None and url.startswith("http://vs.test/s/")
    assert decode(qr.png(url)) == url
    assert qr.read_code("post", url) == {"p": 7, "v": 1}


def test_bare_token_from_a_usb_scanner_is_accepted(app):
    url, _ = qr.make_url("card", {"v": 3})
    assert qr.read_code("card", url.rsplit("/", 1)[1], max_age=300) == {"v": 3}


def test_tampered_and_cross_kind_codes_are_refused(app):
    url, _ = qr.make_url("card", {"v": 3})
    with pytest.raises(CodeInvalid):
        qr.read_code("card", url[:-2] + ("AA" if not url.endswith("AA") else "BB"))
    with pytest.raises(CodeInvalid):
        qr.read_code("coupon", url)  # a card is not a coupon
    with pytest.raises(CodeInvalid):
        qr.read_code("card", "https://evil.example/c/")


def test_expired_codes_are_refused(app):
    url, expires = qr.make_url("card", {"v": 3})
    assert expires is not None
    time.sleep(1.1)
    with pytest.raises(CodeExpired):
        qr.read_code("card", url, max_age=0)


def test_poster_urls_are_stable_and_kiosk_codes_are_not(app):
    assert qr.make_url("post", {"p": 1, "v": 1})[0] == qr.make_url("post", {"p": 1, "v": 1})[0]
    kiosk = qr.make_url("kiosk", {"p": 1, "v": 1})[0]
    with pytest.raises(CodeInvalid):
        qr.read_code("post", kiosk)  # a kiosk code is no poster
    with pytest.raises(CodeInvalid):
        qr.read_code("kiosk", qr.make_url("post", {"p": 1, "v": 1})[0], max_age=60)
