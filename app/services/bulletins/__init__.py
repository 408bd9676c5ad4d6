"""Monthly bulletins (月通报) for member units and the city, and quarterly reviews (季点评).

Every figure comes from set-based SQL aggregates grouped by unit — never from Python loops
over records — so the same queries run on a read replica or a partitioned ledger unchanged.
Every figure of a unit's bulletin has one base, the volunteer's home unit (service at other
units' posts is shown as its own line), so participation cannot exceed 100 %; only activities
held count by the organising unit. A record belongs to the month, in the deployment's zone, in
which it started. docs/bulletin-figures.md defines every figure. Bulletins are snapshots:
(scope, month, revision) is unique, so generating again is a no-op; a revision is a new row.

The modules, by concept:
- figures: the set-based figures of a month, the rankings and the targets;
- snapshots: storing a month's bulletins (and their revisions), reading them back;
- quarters: the quarterly review over a quarter's original bulletins, and its comment;
- labels: how a bulletin reads (title, figure labels, flags, time stamps) in the reader's language;
- exports: the PDF and XLSX of a bulletin and of a quarterly review;
- mail: mailing each unit its bulletin once, and the monthly workflow (make, then mail).
"""
