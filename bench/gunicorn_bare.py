"""gunicorn settings of the bare baseline (bench.baseline): none of the project's boot hooks."""
