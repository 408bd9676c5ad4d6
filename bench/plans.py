"""Record the SELECTs a page or API call runs, then EXPLAIN (ANALYZE, BUFFERS) each one on
PostgreSQL: which tables it read by sequential scan, and its slowest statement."""
from __future__ import annotations

import json
from contextlib import contextmanager

from sqlalchemy import event


@contextmanager
def recording(engine):
    """Collect (statement, parameters) of the SELECTs executed on engine inside the block."""
    seen: list[tuple[str, object]] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith(("SELECT", "WITH")) and not executemany:
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", before)


def _walk(node):
    yield node
    for child in node.get("Plans", []):
        yield from _walk(child)


def explain(engine, statements, analyze: bool = True) -> list[dict]:
    """One summary per statement: its plan's node types, the relations read by Seq Scan, the
    execution time and the shared buffers hit and read."""
    options = "ANALYZE, BUFFERS, FORMAT JSON" if analyze else "FORMAT JSON"
    out = []
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        for statement, parameters in statements:
            cur.execute(f"EXPLAIN ({options}) {statement}", parameters or None)
            plan = cur.fetchone()[0]
            plan = json.loads(plan) if isinstance(plan, str) else plan
            root = plan[0]["Plan"]
            nodes = list(_walk(root))
            out.append({
                "statement": " ".join(statement.split())[:300],
                "seq_scans": sorted({n.get("Relation Name") for n in nodes if n["Node Type"] == "Seq Scan"}),
                "index_scans": sorted({f'{n["Node Type"]} on {n.get("Index Name")}' for n in nodes
                                       if "Index" in n["Node Type"]}),
                "ms": plan[0].get("Execution Time"),
                "hit": root.get("Shared Hit Blocks"), "read": root.get("Shared Read Blocks"),
            })
        raw.rollback()
    finally:
        raw.close()
    return out


def seq_scanned(summaries: list[dict], table: str) -> list[str]:
    """The statements among summaries that read `table` by sequential scan."""
    return [s["statement"] for s in summaries if table in s["seq_scans"]]
