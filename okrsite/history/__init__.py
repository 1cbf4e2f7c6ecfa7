"""History: what changed in the content, commit by commit, read from git in one pass.

    read_history(content_dir, rev="HEAD", cache_dir=None, include_restricted=False)
        -> History                      # git.py: one `git log`, one `git cat-file --batch`
    diff_documents / diff_content       # diff.py: the semantic diff -> [Change]
    change_control(repo_dir, content_dir, base_rev, as_of) -> [Diagnostic]   # control.py
    period_audit(content, period, history, as_of) -> PeriodAudit             # audit.py
    pr_diff(content_dir, base, head=None, as_of=...) -> PRDiff               # prdiff.py
    codeowners(content) / new_period(content_dir, id)

Pages are made from these by okrsite/render/history.py. Nothing here reads the
wall clock or imports MkDocs.
"""

from okrsite.history.audit import PeriodAudit, period_audit, write_exports
from okrsite.history.codeowners import codeowners
from okrsite.history.control import change_control
from okrsite.history.diff import content_documents, diff_content, diff_documents
from okrsite.history.git import GitError, LogStats, blob_sha, read_history
from okrsite.history.newperiod import NewPeriodError, new_period
from okrsite.history.prdiff import PRDiff, pr_diff
from okrsite.history.text import describe
from okrsite.history.types import Change, Commit, History, HistoryEntry

__all__ = [
    "Change",
    "Commit",
    "GitError",
    "History",
    "HistoryEntry",
    "LogStats",
    "NewPeriodError",
    "PRDiff",
    "PeriodAudit",
    "blob_sha",
    "change_control",
    "codeowners",
    "content_documents",
    "describe",
    "diff_content",
    "diff_documents",
    "new_period",
    "period_audit",
    "pr_diff",
    "read_history",
    "write_exports",
]
