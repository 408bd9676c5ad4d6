"""The harness of the race tests: several threads, each with its own app context and
database session (so its own connection), released together by a barrier."""
from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from app.extensions import db as _db


def run(app, n: int, work: Callable[[int], Any], *, timeout: float = 120) -> list[Any]:
    """Run work(0) … work(n-1) in n threads at once and return what each returned, in order.
    A thread commits what its work left in the session; one that raised rolls back and
    returns the exception instead. The test's own transaction is committed first: on
    SQLite it holds the write lock, and the threads must start from what the test made."""
    _db.session.commit()
    barrier = threading.Barrier(n)
    results: list[Any] = [None] * n

    def runner(i: int) -> None:
        with app.app_context():
            try:
                barrier.wait()
                results[i] = work(i)
                _db.session.commit()
            except Exception as exc:  # the test reads it from the results
                _db.session.rollback()
                results[i] = exc
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=runner, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(thread.is_alive() for thread in threads), "a racing thread did not finish"
    return results
