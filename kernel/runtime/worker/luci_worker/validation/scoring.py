"""The score of a list of issues and the one-line summary of the reply.

1.0 minus 0.3 per high, 0.1 per medium, 0.03 per low and 0.01 per note (all notes together
at most 0.05, so notes alone never fail a cell), floored at 0; any blocker makes it 0. The
arithmetic is done in thousandths, so the score is exact (1 - 0.1 - 0.1 == 0.8).
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .._typing import Issue

SEVERITIES = ("blocker", "high", "medium", "low", "note")
PENALTY = {"high": 300, "medium": 100, "low": 30, "note": 10}  # thousandths
NOTES_CAP = 50

RANK = {name: i for i, name in enumerate(SEVERITIES)}


def score(issues: list[Issue]) -> int:
    """The score in thousandths."""
    if any(issue["severity"] == "blocker" for issue in issues):
        return 0
    notes = sum(PENALTY["note"] for issue in issues if issue["severity"] == "note")
    total = sum(PENALTY[issue["severity"]] for issue in issues if issue["severity"] != "note")
    return max(0, 1000 - total - min(notes, NOTES_CAP))


def summary(score: float, threshold: float, passed: bool, issues: list[Issue]) -> str:
    head = "Score %.2f (threshold %.2f): " % (score, threshold)
    if not issues:
        return head + "passed, no issues found."
    counts = []
    for severity in SEVERITIES:
        n = sum(1 for issue in issues if issue["severity"] == severity)
        if n:
            counts.append(
                "%d %s%s" % (n, severity, "s" if n > 1 and severity in ("blocker", "note") else "")
            )
    found = ", ".join(counts)
    worst = [issue for issue in issues if issue["severity"] != "note"] or issues
    reasons = []
    for issue in worst:
        reason = issue["rule"].replace("-", " ") + (
            " (line %d)" % issue["line"] if issue["line"] is not None else ""
        )
        if reason not in reasons:
            reasons.append(reason)
    if len(reasons) > 4:
        reasons = reasons[:4] + ["..."]
    if passed:
        return head + "passed, with %s: %s." % (found, "; ".join(reasons))
    return head + (
        "below the threshold, so the code is shown and not run (%%luci run-anyway "
        "runs it). Found %s: %s." % (found, "; ".join(reasons))
    )
