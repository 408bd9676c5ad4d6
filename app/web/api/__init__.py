"""The JSON API under /api/v1 (flask-smorest): one module per area, each with a `blp`."""
