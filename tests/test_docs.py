"""The documentation site: complete, linked, offline, deterministic, and rendered by a browser."""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from conftest import REPO_ROOT, assert_clean_error

from segur_kg.publishing.docs import MARKER, build_site

ARTIFACTS = REPO_ROOT / "test-artifacts"
SVG = "{http://www.w3.org/2000/svg}svg"
CHROMIUM = "/usr/bin/chromium"


def _no_network(*args, **kwargs):
    raise AssertionError(f"the site generator tried to open a connection: {args!r}")


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The French site, built with every network connection refused."""
    target = tmp_path_factory.mktemp("site-fr") / "site"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket.socket, "connect", _no_network)
        patch.setattr(socket, "create_connection", _no_network)
        build_site(target, "fr")
    return target


@pytest.fixture(scope="module")
def site_en(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("site-en") / "site"
    build_site(target, "en")
    return target


class _Links(HTMLParser):
    """Every href/src (and xlink:href of inline SVG) and every id of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is None:
                continue
            if name in ("href", "src", "xlink:href", "data"):
                self.links.append(value)
            if name == "id":
                self.ids.add(value)


def _parse(path: Path) -> _Links:
    parser = _Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file()}


def test_site_has_index_ontology_class_and_resource_pages(site: Path) -> None:
    for page in ("index.html", "ontology.html", "diagrams.html", "class/Actor.html",
                 "id/actor/ans.html", "id/service/pro-sante-connect.html",
                 "id/wave/vague-2.html", "id/software/lgc-sf.html", "id/region/bretagne.html"):
        assert (site / page).is_file(), page
    assert len(list((site / "id").rglob("*.html"))) > 150


def test_no_local_link_is_broken(site: Path) -> None:
    pages = sorted(site.rglob("*.html")) + sorted(site.rglob("*.svg"))
    ids: dict[Path, set[str]] = {}
    broken = []
    checked = 0
    for page in pages:
        for link in _parse(page).links:
            parts = urlsplit(link)
            if parts.scheme in ("http", "https", "mailto", "data"):
                continue
            assert not parts.scheme, f"{page}: unexpected link {link}"
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            checked += 1
            if not target.is_file() or site.resolve() not in target.parents:
                broken.append(f"{page.relative_to(site)} → {link}")
                continue
            if parts.fragment and target.suffix == ".html":
                if target not in ids:
                    ids[target] = _parse(target).ids
                if parts.fragment not in ids[target]:
                    broken.append(f"{page.relative_to(site)} → {link} (no such anchor)")
    assert checked > 1000
    assert not broken, "\n".join(broken[:20])


def test_pages_use_no_external_style_script_or_font(site: Path) -> None:
    for page in [*site.rglob("*.html"), *site.rglob("*.svg")]:
        text = _text(page)
        assert not re.search(r"<(script|img|iframe)[^>]*\ssrc=\"https?:", text), page
        assert not re.search(r"<link[^>]*href=\"https?:", text), page
        assert "@import" not in text and "url(http" not in text, page


def test_ans_page_lists_pro_sante_connect_among_what_it_develops(site: Path) -> None:
    page = _text(site / "id/actor/ans.html")
    assert "<h1>Agence du numérique en santé" in page
    assert "French Digital Health Agency" in page
    row = re.search(r"<tr><th><a [^>]*>développe</a></th>\s*<td>(.*?)</td></tr>", page, re.S)
    assert row, "no 'développe' row on the ANS page"
    assert '<a href="../../id/service/pro-sante-connect.html">Pro Santé Connect</a>' in row[1]


def test_resource_page_shows_labels_definition_incoming_relations_and_sources(
        site: Path) -> None:
    page = _text(site / "id/service/pro-sante-connect.html")
    assert '<dd lang="fr">Pro Santé Connect</dd>' in page
    assert '<dd lang="en">Pro Santé Connect</dd>' in page
    # Its class, with the class definition, links to the class index.
    assert re.search(r'<a href="\.\./\.\./class/CoreService\.html">[^<]+</a> — '
                     r'<span class="definition">', page)
    # Incoming: the ANS develops it.
    assert re.search(r"← <?[^<]*développe.*?Agence du numérique en santé", page, re.S)
    sources = page.split("<h2>Sources</h2>", 1)[1]
    assert '<a href="../../id/source/fiche-segur.html">' in sources


def test_nos_concepts_are_external_links_with_their_code(site: Path) -> None:
    page = _text(site / "id/actor/ars-bretagne.html")
    assert ('<a class="external" href="https://mos.esante.gouv.fr/NOS/TRE_R30-RegionOM/FHIR/'
            'TRE-R30-RegionOM/53">Bretagne</a><span class="code">53</span>') in page


def test_class_index_lists_resources_with_labels(site: Path) -> None:
    page = _text(site / "class/SoftwareCategory.html")
    assert "Logiciel de gestion de cabinet" in page
    assert '<a href="../id/software/lgc-sf.html">' in page
    assert len(re.findall(r'<li><a href="\.\./id/software/', page)) == 10
    index = _text(site / "index.html")
    assert '<a href="class/SoftwareCategory.html">' in index


def test_ontology_reference_is_generated_by_pylode_in_the_chosen_language(
        site: Path, site_en: Path) -> None:
    french = _text(site / "ontology.html")
    assert "pyLODE" in french
    assert "Vocabulaire du Ségur du numérique en santé" in french
    assert "Catégorie de logiciels Ségur" in french
    assert "Ségur software category" not in french
    assert "Ségur software category" in _text(site_en / "ontology.html")


def _svg(path: Path) -> str:
    root = ET.parse(path).getroot()  # raises on anything that is not well-formed XML
    assert root.tag == SVG, path
    return " ".join(t.strip() for t in root.itertext() if t.strip())


def test_the_diagrams_are_svg_with_their_labels(site: Path) -> None:
    classes = _svg(site / "diagrams/class-model.svg")
    for word in ("Acteur", "Service numérique", "Vague", "développe", "dans la vague"):
        assert word in classes, word
    overview = _svg(site / "diagrams/programme-overview.svg")
    for word in ("Agence du numérique en santé", "Pro Santé Connect", "développe",
                 "Mon espace santé", "Citoyens", "destinée à", "Acteurs", "Publics"):
        assert word in overview, word
    waves = _svg(site / "diagrams/waves-timeline.svg")
    for word in ("Vague 1", "Vague 2", "lancée en juillet 2021", "déploiement 2024–2025",
                 "DRIMbox", "LGC SF", "Logiciel de gestion de cabinet"):
        assert word in waves, word
    # The pages embed them inline, with links to the pages of their nodes.
    index = _text(site / "index.html")
    assert "<svg" in index and 'xlink:href="id/actor/ans.html"' in index
    assert _text(site / "diagrams.html").count("<svg") == 5


def test_the_calendar_lists_the_milestones_of_the_graph_year_by_year(site: Path) -> None:
    from segur_kg.publishing.diagrams import calendar_entries
    from segur_kg.rdf.reading import load_dataset

    calendar = _svg(site / "diagrams/programme-calendar.svg")
    entries = calendar_entries(load_dataset(), "fr")
    assert len(entries) >= 40
    for year in sorted({date[:4] for date, *_ in entries}):
        assert year in calendar, year
    for word in ("Le calendrier du programme", "Date limite", "Ouverture", "heure de Paris"):
        assert word in calendar, word


def test_the_funding_tree_shows_the_envelopes_and_where_parts_do_not_add_up(site: Path) -> None:
    tree = _svg(site / "diagrams/funding-tree.svg")
    for word in ("L'arbre des financements", "2 Md€", "1,4 Md€", "210 M€", "158 M€"):
        assert word in tree, word


def test_english_site_has_english_labels(site_en: Path) -> None:
    assert '<html lang="en">' in _text(site_en / "index.html")
    assert "<h1>French Digital Health Agency" in _text(site_en / "id/actor/ans.html")
    waves = _svg(site_en / "diagrams/waves-timeline.svg")
    assert "Wave 2" in waves and "launched in July 2021" in waves


def test_building_twice_gives_identical_bytes_across_hash_seeds(site: Path, run_cli,
                                                                tmp_path: Path) -> None:
    expected = _files(site)
    for seed in ("0", "4242"):
        target = tmp_path / f"site-{seed}"
        result = run_cli("docs", "-o", str(target), PYTHONHASHSEED=seed)
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith("wrote ") and "5 diagrams" in result.stdout
        assert result.stderr == ""  # nothing logged by the libraries
        rebuilt = _files(target)
        assert rebuilt.keys() == expected.keys()
        differing = [name for name in expected if rebuilt[name] != expected[name]]
        assert not differing, differing[:10]


def test_pylode_writes_nothing_into_its_package_folder(tmp_path: Path) -> None:
    import pylode

    folder = Path(pylode.__file__).parent
    before = sorted(str(p.relative_to(folder)) for p in folder.rglob("*")
                    if "__pycache__" not in p.parts)
    build_site(tmp_path / "site", "fr")
    after = sorted(str(p.relative_to(folder)) for p in folder.rglob("*")
                   if "__pycache__" not in p.parts)
    assert after == before


def test_rebuilding_replaces_a_previous_site(tmp_path: Path) -> None:
    target = tmp_path / "site"
    build_site(target, "en")
    (target / "stale.html").write_text("old", encoding="utf-8")
    build_site(target, "fr")
    assert not (target / "stale.html").exists()
    assert (target / MARKER).is_file()
    assert '<html lang="fr">' in _text(target / "index.html")
    assert [p.name for p in tmp_path.iterdir()] == ["site"]  # no temporary folder left


def test_refuses_a_folder_it_did_not_make(run_cli, tmp_path: Path) -> None:
    target = tmp_path / "mine"
    target.mkdir()
    (target / "notes.txt").write_text("keep me", encoding="utf-8")
    result = run_cli("docs", "-o", str(target))
    assert_clean_error(result)
    assert "not empty" in result.stderr
    assert [p.name for p in target.iterdir()] == ["notes.txt"]


def test_missing_graphviz_is_a_clean_error_and_writes_nothing(run_cli, tmp_path: Path) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    result = run_cli("docs", "-o", str(tmp_path / "site"), PATH=str(empty))
    assert_clean_error(result)
    assert "graphviz" in result.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["bin"]


# --- in a real browser ----------------------------------------------------------------------


def _chromium(profile: Path, *args: str) -> subprocess.CompletedProcess:
    if shutil.which(CHROMIUM) is None:
        pytest.fail(f"{CHROMIUM} is missing; .ci/run installs it (Debian package chromium)")
    return subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", f"--user-data-dir={profile}", *args],
        capture_output=True, text=True, timeout=120, check=False,
    )


@pytest.mark.parametrize(("page", "expected"), [
    ("index.html", ["<svg", "Vue d'ensemble du programme", "Pro Santé Connect"]),
    ("id/actor/ans.html", ["Agence du numérique en santé", "Pro Santé Connect",
                           "développe"]),
    ("diagrams.html", ["<svg", "Vague 2", "Modèle des classes", "Le calendrier du programme",
                       "L'arbre des financements"]),
])
def test_chromium_renders_pages_with_their_diagrams(site: Path, tmp_path: Path, page: str,
                                                    expected: list[str]) -> None:
    url = (site / page).as_uri()
    dom = _chromium(tmp_path / "profile", "--dump-dom", url)
    assert dom.returncode == 0, dom.stderr[-2000:]
    for text in expected:
        assert text in dom.stdout, text
    if "<svg" in expected:
        # The diagram is laid out by the browser: it has a size and drawn nodes.
        assert re.search(r'<svg[^>]+width="\d+pt"', dom.stdout)
        assert dom.stdout.count('class="node"') > 5

    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / f"docs-{page.replace('/', '-').removesuffix('.html')}.png"
    shot.unlink(missing_ok=True)
    result = _chromium(tmp_path / "profile", f"--screenshot={shot}", "--window-size=1280,900",
                       "--hide-scrollbars", url)
    assert result.returncode == 0, result.stderr[-2000:]
    data = shot.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(data) > 20_000  # a blank page compresses to a few kilobytes


@pytest.mark.parametrize("picture", sorted((REPO_ROOT / "docs" / "images").glob("*.svg")),
                         ids=lambda p: p.stem)
def test_the_pictures_in_docs_images_are_those_the_graph_draws_now(picture: Path) -> None:
    # The README shows these pictures: they must not drift from the data.
    from segur_kg.publishing.diagrams import dot_source, render
    from segur_kg.rdf.reading import load_dataset

    drawn = render(dot_source(load_dataset(), picture.stem, "en"))
    assert drawn == picture.read_bytes(), (
        f"run: python -m segur_kg.publishing.diagrams {picture.stem} --lang en -o {picture} "
        "(and the .png)")
