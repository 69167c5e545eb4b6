"""The gate reads a URL's password by the pattern the kernel's redaction shares with it
(validation/shared_tables.json): a URL with no user name (redis://:password@host) and a
password with an @ in it are reported, and the password never appears in the reply."""
import json

import pytest

CWD = "/work/project"
URLS = [
    ("no-user", "redis://:Qw7-cache-Secret9@cache.internal:6379/0", "Qw7-cache-Secret9"),
    ("at-sign", "postgresql://admin:Pa55@word-Secret9@db.internal:5432/sales", "Pa55@word-Secret9"),
]


@pytest.mark.parametrize("url,secret", [u[1:] for u in URLS], ids=[u[0] for u in URLS])
def test_url_passwords_are_reported_and_never_repeated(worker, url, secret):
    reply = worker.request("validate", code="engine_url = %r\n" % url, cwd=CWD, timeout=60.0)
    assert [i["rule"] for i in reply["issues"]] == ["credentials"], reply
    assert secret not in json.dumps(reply, ensure_ascii=False)
    assert secret.split("@")[-1] not in json.dumps(reply, ensure_ascii=False)


def test_a_url_without_a_password_is_not_reported(worker):
    reply = worker.request("validate", code='u = "https://medium.com/@ann-2024"\n', cwd=CWD, timeout=60.0)
    assert reply["issues"] == [], reply
