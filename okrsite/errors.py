"""The base of okrsite's own exceptions: an adapter catches `OkrsiteError` and shows
its message (the CLI as `okrsite: error: ...` with exit 2, the plugin as a
`PluginError`); anything else is a bug."""


class OkrsiteError(Exception):
    """A problem okrsite can explain to the person running it."""
