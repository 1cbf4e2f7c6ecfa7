"""`mkdocs build` into a staging directory beside site_dir, swapped in at the end
(okrsite.output), so a failed or interrupted build leaves the last site as it was."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import get_plugin_logger
from mkdocs.utils import CountHandler

from okrsite import output

log = get_plugin_logger("okrsite")


@dataclass
class Staged:
    """A build going into a staging directory instead of site_dir (okrsite.output)."""

    config: MkDocsConfig
    site_dir: str  # the user's, as MkDocs resolved it
    staging: Path

    @classmethod
    def begin(cls, config: MkDocsConfig) -> Staged | None:
        """Point site_dir at a fresh staging directory; None (build in place, as MkDocs
        does) when none can be made beside site_dir."""
        try:
            staging = output.begin(Path(config.site_dir))
        except OSError as exc:
            log.info(f"building in place: no staging directory beside {config.site_dir} "
                     f"({exc.strerror})")
            return None
        staged = cls(config, config.site_dir, staging)
        config.site_dir = str(staging)
        return staged

    def finish(self, keep: bool) -> None:
        """site_dir back to the user's; the new site swapped in, or dropped. Dot-files
        of the old site_dir stay, as MkDocs never deletes those."""
        self.config.site_dir = self.site_dir
        if not keep:
            output.remove(self.staging)
            return
        try:
            output.swap_in(self.staging, Path(self.site_dir), keep_hidden=True)
        except OSError as exc:
            raise PluginError(f"okrsite: cannot put the new site in {self.site_dir}: "
                              f"{exc.strerror} (it is in {self.staging})") from None


def warnings_counted() -> bool:
    """Whether MkDocs' `--strict` counter has seen a warning: the build will fail."""
    return any(isinstance(h, CountHandler) and h.get_counts()
               for h in logging.getLogger("mkdocs").handlers)
