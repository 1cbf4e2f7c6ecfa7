"""Restricted items leave no trace in anything public: a public `mkdocs build`, `okrsite
render --out` and both `okrsite diff` outputs (what CI posts as the pull-request comment).

One git repository tells the story: objectives and a KPI that were public in older
commits and are restricted now, restricted items that public fields point at
(`aligns_to`, a key result's `kpi`), a commit that touched both kinds, and stray YAML
and backup files left in the docs folder. Every output file is scanned (gzip
uncompressed), not just the pages we expect the words on.
"""

from __future__ import annotations

import gzip
import html
import json
import logging
from pathlib import Path

import pytest
from helpers.gitkit import GitRepo, needs_git
from helpers.sites import prepare_site, run_build
from mkdocs.exceptions import Abort

from okrsite.cli import main
from okrsite.history import read_history
from okrsite.history.git import LogStats
from okrsite.render.history import changes_page

pytestmark = needs_git
AS_OF = "2026-03-15"

# Every word and id of an item that is restricted now. None may appear anywhere public.
SECRETS = (
    "ZETASECRET", "ZETAPARTNER", "ZETANOTE", "zeta-launch", "zeta-partner",  # public, then not
    "HERONSECRET", "heron-deal",  # public, then restricted; a public objective aligns to it
    "BURNSECRET", "burnrate-secret",  # a KPI public then restricted; a public KR uses it
    "OSPREYSECRET", "osprey-secret",  # restricted from the start; aligned to later
    "CASHSECRET", "cash-secret",  # a KPI restricted from the start; a KR switches to it
    "STRAYSECRET",  # only in stray files in the docs folder
)

ORG = """
version: 1
kind: org
name: Acme Widgets
units:
  - id: acme
    name: Acme Widgets
    lead: Kim Park
  - id: widgets
    name: Widget Team
    parent: acme
    lead: Lee Chan
"""

# Kim Park owns the restricted objectives: her person page lists only the public ones.
PEOPLE = """
version: 1
kind: people
people:
  - {id: kim-park, name: Kim Park, unit: acme}
  - {id: lee-chan, name: Lee Chan, unit: widgets}
"""

ORDERS = """
version: 1
kind: kpi
id: weekly-orders
name: Weekly orders
owner: acme
unit: orders
direction: higher_is_better
cadence: weekly
measurements:
  - {date: 2026-01-04, value: 100}
  - {date: 2026-01-11, value: 110}
"""

BURN = """
version: 1
kind: kpi
id: burnrate-secret
name: Burn rate BURNSECRET
description: Monthly BURNSECRET spend.
owner: acme
unit: kEUR
direction: lower_is_better
cadence: monthly
measurements:
  - {date: 2025-12-31, value: 900, note: BURNSECRET baseline}
"""

CASH = """
version: 1
kind: kpi
id: cash-secret
name: Cash CASHSECRET
owner: acme
direction: higher_is_better
cadence: monthly
visibility: restricted
measurements:
  - {date: 2025-12-31, value: 12, note: CASHSECRET runway}
"""

ACME = """
version: 1
kind: okrs
unit: acme
period: 2026-Q1
objectives:
  - id: grow-orders
    title: Grow the widget business
    owner: Kim Park
    key_results:
      - id: orders
        title: Raise weekly orders from 100 to 200
        kpi: weekly-orders
        target: 200
      - id: shop
        title: Open the online shop
        done: false
  - id: zeta-launch
    title: Launch ZETASECRET market
    owner: Kim Park
    description: Open the ZETASECRET region.
    key_results:
      - id: zeta-partner
        title: Sign ZETAPARTNER as distributor
        done: false
      - id: zeta-stores
        title: Open ZETASECRET stores
        baseline: 0
        target: 10
        check_ins:
          - {date: 2026-01-15, value: 1, note: ZETANOTE first store}
  - id: heron-deal
    title: Close the HERONSECRET deal
    owner: Kim Park
    key_results:
      - id: signed
        title: HERONSECRET contract signed
        done: false
      - id: terms
        title: HERONSECRET terms agreed
        done: false
  - id: osprey-secret
    title: Acquire OSPREYSECRET
    owner: Kim Park
    visibility: restricted
    key_results:
      - id: offer
        title: OSPREYSECRET offer accepted
        done: false
      - id: board
        title: OSPREYSECRET board approval
        done: false
"""

WIDGETS = """
version: 1
kind: okrs
unit: widgets
period: 2026-Q1
objectives:
  - id: faster-delivery
    title: Deliver widgets faster
    owner: Lee Chan
    aligns_to: acme/grow-orders
    key_results:
      - id: lead-time
        title: Cut delivery time from 10 to 5 days
        unit: days
        baseline: 10
        target: 5
        check_ins:
          - {date: 2026-01-31, value: 8}
      - id: spend
        title: Keep delivery spend flat
        baseline: 900
        target: 800
      - id: buffer
        title: Keep a stock buffer
        kpi: weekly-orders
        target: 150
  - id: couriers
    title: Sign more couriers
    owner: Lee Chan
    aligns_to: acme/grow-orders
    key_results:
      - id: courier
        title: Sign a second courier
        done: true
      - id: night
        title: Offer night delivery
        done: false
"""


def _story(root: Path) -> tuple[GitRepo, dict[str, str]]:
    repo = GitRepo(root)
    for rel, text in (("org.yaml", ORG), ("people.yaml", PEOPLE),
                      ("kpis/weekly-orders.yaml", ORDERS),
                      ("kpis/burnrate-secret.yaml", BURN), ("kpis/cash-secret.yaml", CASH),
                      ("periods/2026-Q1/acme.yaml", ACME),
                      ("periods/2026-Q1/widgets.yaml", WIDGETS)):
        repo.write(rel, text)
    shas = {"plan": repo.commit("Plan Q1", "2026-01-05")}
    # Public edits to items that are restricted now, before they were restricted.
    repo.edit("periods/2026-Q1/acme.yaml", "ZETANOTE first store}",
              "ZETANOTE first store}\n          - {date: 2026-01-31, value: 2, "
              "note: ZETANOTE second}")
    repo.edit("periods/2026-Q1/acme.yaml", "Close the HERONSECRET deal",
              "Close the HERONSECRET deal this quarter")
    repo.edit("kpis/burnrate-secret.yaml", "note: BURNSECRET baseline}",
              "note: BURNSECRET baseline}\n  - {date: 2026-01-31, value: 850}")
    repo.edit("periods/2026-Q1/widgets.yaml", "value: 8}",
              "value: 8}\n          - {date: 2026-02-07, value: 7}")
    shas["update"] = repo.commit("Weekly update", "2026-01-20")
    # Public fields start naming items that are (or will be) restricted.
    repo.edit("periods/2026-Q1/widgets.yaml", "aligns_to: acme/grow-orders",
              "aligns_to: acme/heron-deal")
    repo.edit("periods/2026-Q1/widgets.yaml",
              "title: Sign more couriers\n    owner: Lee Chan\n    aligns_to: acme/grow-orders",
              "title: Sign more couriers\n    owner: Lee Chan\n    aligns_to: acme/osprey-secret")
    repo.edit("periods/2026-Q1/widgets.yaml", "        baseline: 900\n",
              "        kpi: burnrate-secret\n        baseline: 900\n")
    repo.edit("periods/2026-Q1/widgets.yaml", "kpi: weekly-orders\n        target: 150",
              "kpi: cash-secret\n        target: 150")
    shas["refs"] = repo.commit("Link the widget goals", "2026-02-01")
    # Now restricted: a commit about restricted items only (left out of the public log).
    repo.edit("periods/2026-Q1/acme.yaml", "title: Launch ZETASECRET market\n",
              "title: Launch ZETASECRET market\n    visibility: restricted\n")
    repo.edit("periods/2026-Q1/acme.yaml", "title: Close the HERONSECRET deal this quarter\n",
              "title: Close the HERONSECRET deal this quarter\n    visibility: restricted\n")
    repo.edit("kpis/burnrate-secret.yaml", "cadence: monthly\n",
              "cadence: monthly\nvisibility: restricted\n")
    shas["restrict"] = repo.commit("Hide ZETASECRET and HERONSECRET", "2026-02-10")
    # A commit touching both: its public change shows, its subject does not.
    repo.edit("periods/2026-Q1/widgets.yaml", "value: 7}", "value: 7}\n"
              "          - {date: 2026-02-28, value: 6}")
    repo.edit("periods/2026-Q1/acme.yaml", "ZETANOTE second}",
              "ZETANOTE second}\n          - {date: 2026-02-28, value: 4}")
    shas["mixed"] = repo.commit("Check-ins, ZETASECRET included", "2026-03-01")
    repo.edit("periods/2026-Q1/widgets.yaml", "title: Offer night delivery\n        done: false",
              "title: Offer night delivery\n        done: true")
    shas["public"] = repo.commit("Night delivery is live", "2026-03-05")
    return repo, shas


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory) -> tuple[GitRepo, dict[str, str]]:
    return _story(tmp_path_factory.mktemp("leaks") / "repo")


def outputs(directory: Path) -> dict[str, str]:
    """Every file under a directory as text (gzip files uncompressed), by relative path."""
    out = {}
    for file in sorted(directory.rglob("*")):
        if file.is_file():
            data = file.read_bytes()
            if file.name.endswith(".gz"):
                data = gzip.decompress(data)
            out[file.relative_to(directory).as_posix()] = data.decode("utf-8", "replace")
    return out


def leaks(texts: dict[str, str]) -> list[tuple[str, str]]:
    return [(name, s) for name, text in texts.items() for s in SECRETS
            if s.lower() in text.lower()]


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    code = main(list(argv))
    out = capsys.readouterr()
    assert code == 0, out.err
    return out.out


@pytest.fixture(autouse=True)
def _no_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OKRSITE_NO_CACHE", "1")
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)


def test_public_mkdocs_build_has_no_trace_of_restricted_items(story, tmp_path):
    repo, shas = story
    config = prepare_site(repo.root, repo.content, {"site_dir": str(tmp_path / "site")},
                          okrsite={"as_of": AS_OF, "cache_dir": ""})
    run_build(config)
    site = outputs(tmp_path / "site")
    assert "search/search_index.json" in site and "sitemap.xml.gz" in site
    assert any(name.startswith("audit/2026-Q1/") for name in site)
    assert "Grow the widget business" in site["people/kim-park/index.html"]
    # The check-ins page lists the public stale key result (ZETASECRET's is stale too).
    assert "Cut delivery time from 10 to 5 days" in site["checkins/index.html"]
    assert not leaks(site)
    # The public history is there: commits, public changes, a withheld subject.
    changes = html.unescape(site["changes/index.html"])
    assert "Night delivery is live" in changes  # a commit about public items only
    assert "lead-time check-in 2026-02-28 added: 6" in changes
    # The older commits touched items restricted now: their subjects are not shown,
    # and commits that changed nothing else are left out.
    assert "Weekly update" not in changes and "subject not shown" in changes
    assert shas["restrict"][:10] not in changes and shas["refs"][:10] not in changes
    unit = html.unescape(site["periods/2026-Q1/widgets/index.html"])
    assert "check-in 2026-02-07 added: 7" in unit


def test_render_out_has_no_trace_of_restricted_items(story, tmp_path, capsys):
    repo, _ = story
    out = tmp_path / "rendered"
    cli(capsys, "render", str(repo.content), "--out", str(out), "--as-of", AS_OF)
    files = outputs(out)
    assert "changes/index.md" in files and "audit/2026-Q1/okrs.json" in files
    assert "Grow the widget business" in files["people/kim-park/index.md"]
    assert "Cut delivery time from 10 to 5 days" in files["checkins/index.md"]
    changes = html.unescape(files["changes/index.md"])
    assert "Night delivery is live" in changes
    assert "lead-time check-in 2026-02-28 added: 6" in changes
    assert not leaks(files)


@pytest.mark.parametrize("fmt", ["markdown", "json"])
@pytest.mark.parametrize("revs", [("plan",), ("plan", "refs"), ("update", "mixed"),
                                  ("plan", "mixed")])
def test_diff_has_no_trace_of_restricted_items(story, capsys, fmt, revs):
    """Between any two commits, also two from before the items became restricted, and
    against the working tree: restricted now means withheld from the PR comment."""
    repo, shas = story
    out = cli(capsys, "diff", *(shas[r] for r in revs), "--content-dir", str(repo.content),
              "--as-of", AS_OF, "--format", fmt)
    assert not leaks({"diff": out})
    if fmt == "json":
        data = json.loads(out)
        assert data["withheld"] > 0 and data["changes"]
    else:
        assert "changes to restricted items not shown" in out


def test_a_warm_history_cache_withholds_the_same(story, tmp_path):
    """What each version restricted is cached with the commit's changes: a warm run,
    which reads no file version, withholds exactly what a cold one does."""
    repo, _ = story
    cold = changes_page(read_history(repo.content, cache_dir=tmp_path / "cache")).html
    stats = LogStats()
    warm = read_history(repo.content, cache_dir=tmp_path / "cache", stats=stats)
    assert stats.cached_commits == stats.commits == 6 and stats.parsed == 0
    assert changes_page(warm).html == cold
    assert not leaks({"changes": cold}) and "Night delivery is live" in cold


def test_restricted_in_the_working_tree_only_is_withheld_everywhere(tmp_path, capsys):
    """Restricted now means in the files being built, before any commit says so."""
    repo, shas = _story(tmp_path / "repo")
    repo.edit("periods/2026-Q1/widgets.yaml", "title: Sign more couriers\n",
              "title: Sign more couriers\n    visibility: restricted\n")
    secrets = ("Sign more couriers", "couriers", "night delivery")
    out = tmp_path / "rendered"
    cli(capsys, "render", str(repo.content), "--out", str(out), "--as-of", AS_OF)
    files = outputs(out)
    assert "lead-time check-in 2026-02-28 added: 6" in html.unescape(files["changes/index.md"])
    assert [(n, s) for n, t in files.items() for s in secrets if s in t.lower()] == []
    for fmt in ("markdown", "json"):  # two commits in which the objective was public
        diff = cli(capsys, "diff", shas["mixed"], shas["public"], "--content-dir",
                   str(repo.content), "--as-of", AS_OF, "--format", fmt)
        assert "couriers" not in diff and "night" not in diff.lower()
        if fmt == "json":
            assert json.loads(diff)["withheld"] == 1
        else:
            assert "No changes to OKRs or KPIs." in diff and "restricted items" in diff


@pytest.mark.parametrize("how", ["committed", "working tree"])
def test_a_warm_history_cache_read_while_public_leaks_nothing_once_restricted(
        tmp_path, monkeypatch, how):
    """A kept cache dir (CI) holds the history as it was read while an objective was
    public. Once it is restricted, by a new commit on top (read incrementally) or only
    in the files being built, the next build withholds it everywhere: what is
    restricted is decided from the content of every build, not from the cache."""
    monkeypatch.delenv("OKRSITE_NO_CACHE")
    repo, _ = _story(tmp_path / "repo")
    cache = tmp_path / "cache"
    config = prepare_site(repo.root, repo.content, {"site_dir": str(tmp_path / "site")},
                          okrsite={"as_of": AS_OF, "cache_dir": str(cache)})
    run_build(config)
    warm = outputs(tmp_path / "site")
    assert "Sign more couriers" in warm["periods/2026-Q1/widgets/index.html"]
    assert "couriers" in html.unescape(warm["changes/index.html"]).lower()
    # As the build reads it (a plugin kept by MkDocs may hold it in memory instead).
    public = changes_page(read_history(repo.content, cache_dir=cache)).html
    assert "couriers" in html.unescape(public).lower() and list(cache.rglob("*.log.bin"))
    repo.edit("periods/2026-Q1/widgets.yaml", "title: Sign more couriers\n",
              "title: Sign more couriers\n    visibility: restricted\n")
    if how == "committed":
        repo.commit("Restrict the courier objective", "2026-03-10")
    run_build(config)
    site = outputs(tmp_path / "site")
    secrets = ("sign more couriers", "couriers", "night delivery")
    assert [(n, s) for n, t in site.items() for s in secrets if s in t.lower()] == []
    assert not leaks(site)
    changes = html.unescape(site["changes/index.html"])
    assert "lead-time check-in 2026-02-28 added: 6" in changes  # the rest is still there


# -- stray files in the docs folder ---------------------------------------------------------

MINIMAL = Path(__file__).resolve().parents[1] / "fixtures" / "sites" / "minimal" / "content"
STRAY = ("periods/2026-Q1/acme.yaml~", "periods/2026-Q1/acme.yaml.orig",
         "periods/2026-Q1/acme.yaml.bak", "periods/2026-Q1/acme.yaml.rej",
         "periods/2026-Q1/#acme.yaml#", "periods/2026-Q1/acme.YAML",
         "periods/2026-Q1/acme.yml.swp", "kpis/weekly-orders.yml~", "acme.json",
         "secret.yaml", "guide/x.yml", "guide/index.md.orig", "guide/notes.txt")
KEPT = ("guide/index.md", "guide/diagram.svg", "files/report.pdf", "CNAME")


def _docs_with_leftovers(root: Path) -> Path:
    config = prepare_site(root, MINIMAL, okrsite={"as_of": "2026-02-15", "cache_dir": "",
                                                   "downloads": ["files/*.pdf"]})
    content = root / "content"
    secret = (content / "periods/2026-Q1/acme.yaml").read_text(encoding="utf-8").replace(
        "Grow the widget business", "STRAYSECRET").replace("title:", "visibility: restricted\n"
                                                           "    title:", 1)
    for rel in (*STRAY, "periods/2026-Q1/.acme.yaml.swp"):
        (content / rel).parent.mkdir(parents=True, exist_ok=True)
        (content / rel).write_text(secret, encoding="utf-8")
    (content / "guide/index.md").write_text("# Guide\n\nSee ![the flow](diagram.svg).\n",
                                            encoding="utf-8")
    (content / "guide/diagram.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>',
                                               encoding="utf-8")
    (content / "files").mkdir()
    (content / "files/report.pdf").write_bytes(b"%PDF-1.4 report")
    (content / "CNAME").write_text("okrs.example.com\n", encoding="utf-8")
    return config


def test_stray_and_backup_files_are_not_published_and_each_is_named(tmp_path, capsys):
    config = _docs_with_leftovers(tmp_path)
    built = run_build(config, allowed=[r"is not published"])
    site = outputs(tmp_path / "site")
    assert not leaks(site)
    assert [name for name in site if name.startswith(STRAY)] == []
    assert "files/report.pdf" in site and "guide/diagram.svg" in site and "CNAME" in site
    assert "guide/index.html" in site
    warned = [m for m in built.messages(logging.WARNING) if "is not published" in m]
    for rel in STRAY:
        assert sum(f"okrsite: {rel} is not published" in m for m in warned) == 1, rel
    assert len(warned) == len(STRAY)  # the files MkDocs leaves out itself need no warning
    assert any("acme.yaml~ is not published: okrsite never publishes YAML" in m
               for m in warned)
    # ... so a strict build fails on them.
    with pytest.raises(Abort):
        run_build(config, allowed=[r".*"], strict=True)
    # `okrsite render` copies nothing of the docs folder.
    out = tmp_path / "rendered"
    cli(capsys, "render", str(tmp_path / "content"), "--out", str(out), "--as-of",
        "2026-02-15", "--no-history")
    files = outputs(out)
    assert "index.md" in files and not leaks(files)
    assert [n for n in files if n.rsplit("/", 1)[-1] in {Path(s).name for s in STRAY}] == []
