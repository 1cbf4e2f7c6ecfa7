"""History: what changed in the content, commit by commit, read from git in one pass.

    read_history(content_dir, rev="HEAD", cache_dir=None, include_restricted=False)
        -> History                      # git.py: one `git log`, one `git cat-file --batch`
    diff_documents                      # diff.py: the semantic diff -> [Change]
    Restricted / withhold(history, marks)   # restrict.py: what a public reader may not see
    period_record / period_audit        # audit.py: a period's downloads and audit trail

Pages are made from these by okrsite/render/history.py; the commands that compare
revisions (okrsite/commands/) use them too. Nothing here reads the wall clock or
imports MkDocs.
"""

from okrsite.history.git import GitError, read_history
from okrsite.history.types import Change, Commit, History, HistoryEntry

__all__ = ["Change", "Commit", "GitError", "History", "HistoryEntry", "read_history"]
