"""Site settings shared by the CLI and the MkDocs plugin (which maps its config onto them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from okrsite.scoring import ScoringSettings


@dataclass
class Settings:
    content_dir: Path
    as_of: date  # resolved once (okrsite.asof); every score and state is as of this day
    fiscal_year_start: int = 1  # month 1..12
    include_restricted: bool = False  # an internal build shows restricted items
    scoring: ScoringSettings = field(default_factory=ScoringSettings)
    cache_dir: Path | None = None  # parse cache; never inside content_dir
    history: bool = True  # read git history for change logs and audit pages
    # Links between pages: `a/b/` (MkDocs' use_directory_urls, the default) or `a/b.html`.
    directory_urls: bool = True
