"""Scheduling infrastructure: each scheduled job runs once per fire time however many processes
are up, a crashed or failed run is run again, and the embedded scheduler starts with a serving
worker. The jobs themselves are listed in app.jobs; the business rules stay in app.services.

- leases: one process at a time holds the lease "scheduler" and runs the jobs; the others
  stand by and take it over once the holder stops renewing it.
- claims: a row per job and fire time, which one process wins; it keeps the run's state, so
  the lease holder runs again a claim whose holder lost its lease, or that failed, after a
  backoff, until it succeeds or reaches the attempt limit.
- runs: executing a job under its claim, with a job_runs row per attempt (the job log).
- runner: the APScheduler wiring (heartbeat, fires, catch-up, retries) and its start.
"""

from app.scheduling.leases import HOLDER, LEASE, acquire_lease, lease_holder, release_lease
from app.scheduling.runner import Runner, build, start_embedded
from app.scheduling.runs import Job, execute, latest_fire_time, recent_runs

__all__ = [
    "HOLDER",
    "LEASE",
    "Job",
    "Runner",
    "acquire_lease",
    "build",
    "declared_jobs",
    "execute",
    "latest_fire_time",
    "lease_holder",
    "recent_runs",
    "release_lease",
    "start_embedded",
]


def declared_jobs() -> list[Job]:
    """The scheduler's jobs as app.jobs declares them (imported when asked, as app.jobs
    builds on this package)."""
    from app.jobs import JOBS

    return JOBS
