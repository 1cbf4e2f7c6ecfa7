"""The plugin's block of mkdocs.yml, validated by the core (okrsite.settings)."""

from __future__ import annotations

from pathlib import Path

from mkdocs.config.base import Config, ConfigErrors, ConfigWarnings, ValidationError

from okrsite.settings import Options, SettingsError, parse_options


class OkrsiteConfig(Config):
    """The plugin's block of mkdocs.yml. The core validates it (okrsite.settings), so
    `okrsite` commands read the same block with the same messages; `options` holds
    the result. content/guide/settings.md documents every option."""

    options: Options

    def set_defaults(self) -> None:
        self.options = Options()  # every option has a default in the core

    def validate(self) -> tuple[ConfigErrors, ConfigWarnings]:
        try:
            base = Path(self.config_file_path).parent if self.config_file_path else None
            self.options, warnings = parse_options(dict(self), base)
        except SettingsError as exc:
            return [(key, ValidationError(message)) for key, message in exc.problems], []
        return [], list(warnings)
