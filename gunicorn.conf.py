"""gunicorn settings, read by `gunicorn wsgi:app` from the project root."""


def post_worker_init(worker):
    """Each worker, once booted: refuse to serve with the wrong FIELD_ENCRYPTION_KEY, and start
    the embedded scheduler (SCHEDULER=embedded) without waiting for a first request."""
    import sys

    from app.startup import FieldKeyMismatch, serve
    try:
        serve(worker.wsgi)
    except FieldKeyMismatch as exc:
        worker.log.error("%s", exc)
        sys.exit(3)  # gunicorn's "worker failed to boot": the master stops instead of respawning
