"""Business rules. Plain functions taking arguments (the acting user explicitly), flushing
but never committing: the door (view, API handler, CLI command, job) commits once."""
