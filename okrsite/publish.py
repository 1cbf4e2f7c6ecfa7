"""What a site may publish from its docs folder: pages, assets and declared downloads.

Everything else stays out, named in a warning: an editor's backup of a YAML file
(`acme.yaml~`, `#acme.yaml#`, `acme.yml.swp`), a merge leftover (`.orig`, `.rej`),
a `secret.yaml` beside the guide or a JSON dump would otherwise be copied into the
site byte for byte, restricted items included. YAML is never published, whatever
its name's case or tail and even when declared: the content's documents are data,
and a build shows only what the renderer chose to show of them.

Generators copy a docs folder whole, so the rule lives here, in the core, and each
adapter applies it (the MkDocs plugin in `on_files`; `okrsite render` copies
nothing from the docs folder at all).
"""

from __future__ import annotations

from collections.abc import Sequence
from fnmatch import fnmatchcase

# Assets: images, styles, scripts, fonts, audio and video.
ASSET_SUFFIXES = frozenset({
    ".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".avif", ".ico", ".bmp",
    ".css", ".js", ".mjs", ".map",
    ".woff", ".woff2", ".ttf", ".otf", ".eot",
    ".mp4", ".webm", ".ogg", ".ogv", ".mp3", ".wav", ".m4a",
})
# Files a web host reads at the top of the site.
HOST_FILES = frozenset({"CNAME", "robots.txt"})
_YAML = frozenset({"yaml", "yml"})


def looks_like_yaml(name: str) -> bool:
    """`a.yaml`, `a.YML`, and copies of one: `a.yaml~`, `#a.yaml#`, `a.yml.swp`, `a.yaml.orig`."""
    parts = name.lower().split(".")[1:]
    return any(part.strip("~#") in _YAML for part in parts)


def why_unpublished(relpath: str, is_page: bool, downloads: Sequence[str] = ()) -> str | None:
    """Why a file of the docs folder (posix path relative to it) must not be published,
    or None when it may: a Markdown page, an asset, a host file or a declared download
    (`downloads`: shell-style patterns, `*` also matching `/`)."""
    name = relpath.rsplit("/", 1)[-1]
    if is_page:
        return None
    if looks_like_yaml(name):
        return "okrsite never publishes YAML or copies of it; delete the file"
    if any(fnmatchcase(relpath, pattern) for pattern in downloads):
        return None
    suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix in ASSET_SUFFIXES or relpath in HOST_FILES:
        return None
    return ("only pages, assets (images, styles, scripts, fonts, media) and declared "
            "downloads are published; delete the file, or list it under the okrsite "
            "`downloads` setting")
