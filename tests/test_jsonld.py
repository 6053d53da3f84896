"""JSON-LD for web developers: the shipped context, the compacted export, frames, safe loading."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import pytest
from conftest import assert_clean_error, assert_no_connection

CONTEXT_IRI = "https://w3id.org/segur/context.jsonld"
DEF = "https://w3id.org/segur/def/"


@pytest.fixture(scope="module")
def context(tmp_path_factory) -> dict:
    from conftest import REPO_ROOT

    return json.loads((REPO_ROOT / "ontology" / "context.jsonld").read_text("utf-8"))["@context"]


@pytest.fixture(scope="module")
def exported() -> dict:
    from segur_kg.publishing.export import export

    return json.loads(export("jsonld"))


def _expand(context: dict, name: str) -> str:
    value = context[name]
    iri = value if isinstance(value, str) else value["@id"]
    prefix, _, local = iri.partition(":")
    return context[prefix] + local if isinstance(context.get(prefix), str) else iri


def _keys(node, found: set[str]) -> set[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            found.add(key)
            _keys(value, found)
    elif isinstance(node, list):
        for item in node:
            _keys(item, found)
    return found


def test_context_names_every_term_and_class_the_graph_uses(context, dataset) -> None:
    from rdflib import RDF

    named = {_expand(context, key) for key, value in context.items()
             if not key.startswith("@") and key not in ("id", "type")
             and not (isinstance(value, str) and value.endswith(("/", "#")))}
    used = {str(p) for p in dataset.predicates() if p != RDF.type}
    used |= {str(o) for o in dataset.objects(None, RDF.type)}
    vocabulary = {str(s) for s in dataset.subjects() if str(s).startswith(DEF)}
    assert sorted(used - named) == []
    assert sorted(vocabulary - named) == []


def test_object_properties_are_iris_and_repeatable_ones_are_sets(context, dataset) -> None:
    from rdflib import OWL, RDF, Graph, URIRef
    from rdflib.namespace import SH

    from segur_kg.common.paths import shapes_dir

    shapes = Graph().parse(shapes_dir() / "segur-shapes.ttl")
    single = {str(shapes.value(s, SH.path)) for s, c in shapes.subject_objects(SH.maxCount)
              if int(c) == 1}
    terms = {_expand(context, key): value for key, value in context.items()
             if isinstance(value, dict) and "@id" in value}
    for prop in dataset.subjects(RDF.type, OWL.ObjectProperty):
        if not str(prop).startswith(DEF):
            continue
        term = terms[str(prop)]
        assert term["@type"] == "@id", prop
        assert (term.get("@container") == "@set") == (str(prop) not in single), prop
    # A category or a corridor can belong to several waves: always an array.
    assert terms[DEF + "inWave"]["@container"] == "@set"
    assert terms[DEF + "targetAudience"]["@container"] == "@set"
    assert URIRef(DEF + "inWave") in set(dataset.subjects(RDF.type, OWL.ObjectProperty))


def test_labels_and_notes_are_language_maps(context) -> None:
    for name in ("label", "definition", "description", "editorialNote", "altLabel", "prefLabel"):
        container = context[name]["@container"]
        assert "@language" in (container if isinstance(container, list) else [container]), name


def test_export_uses_only_short_names(exported, context) -> None:
    assert exported["@context"] == context  # embedded, exactly as shipped
    keys = _keys(exported["@graph"], set())
    assert sorted(key for key in keys if ":" in key) == []
    types = {t for node in exported["@graph"]
             for t in ([node["type"]] if isinstance(node.get("type"), str) else node.get("type", []))}
    assert "SoftwareCategory" in types and not [t for t in types if "/" in t]


def test_export_reads_like_plain_json(exported) -> None:
    nodes = {node["id"]: node for node in exported["@graph"]}
    lgc_sf = nodes["https://w3id.org/segur/id/software/lgc-sf"]
    assert lgc_sf["label"] == {"fr": "Logiciel de gestion de cabinet des sages-femmes",
                               "en": "Midwives' practice management software"}
    assert lgc_sf["acronym"] == ["LGC SF"]
    assert lgc_sf["inWave"] == ["https://w3id.org/segur/id/wave/vague-2"]
    assert nodes["https://w3id.org/segur/id/software/dpi"]["inWave"] == [
        "https://w3id.org/segur/id/wave/vague-1", "https://w3id.org/segur/id/wave/vague-2"]
    assert lgc_sf["targetAudience"] == ["https://w3id.org/segur/id/group/sages-femmes"]
    wave = nodes["https://w3id.org/segur/id/wave/vague-1"]
    assert wave["position"] == 1  # a JSON number
    assert wave["launchDate"] == {"@value": "2021-07", "type": "xsd:gYearMonth"}


def test_export_round_trips_to_the_turtle_graph(run_cli, tmp_path: Path) -> None:
    from rdflib.compare import isomorphic

    from segur_kg.rdf.reading import parse_file

    for fmt in ("jsonld", "ttl"):
        assert run_cli("export", "--format", fmt, "-o", str(tmp_path / f"g.{fmt}")).returncode == 0
    assert isomorphic(parse_file(tmp_path / "g.jsonld"), parse_file(tmp_path / "g.ttl"))


# --- frames ---------------------------------------------------------------------------------


def _framed(run_cli, name: str) -> dict:
    result = run_cli("export", "--format", "jsonld", "--frame", name)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_waves_frame_nests_categories_and_their_audiences(run_cli) -> None:
    document = _framed(run_cli, "waves")
    waves = {wave["label"]["en"]: wave for wave in document["@graph"]}
    assert sorted(waves) == ["Wave 1", "Wave 2"]
    categories = {c["acronym"][0]: c for c in waves["Wave 2"]["softwareCategories"]}
    assert set(categories) == {"DPI", "DRIMbox", "LGC", "LGC CD", "LGC P", "LGC SF", "LGO", "PFI",
                               "RIS", "SGL"}
    audiences = [a["label"]["fr"] for a in categories["LGC SF"]["targetAudience"]]
    assert audiences == ["Sages-femmes"]
    wave_1 = {c["acronym"][0] for c in waves["Wave 1"]["softwareCategories"]}
    assert wave_1 == {"DPI", "LGC", "LGO", "PFI", "RIS", "SGL"}


def test_actors_frame_gives_what_each_actor_does_and_its_missions(run_cli) -> None:
    actors = {a["id"].rsplit("/", 1)[1]: a for a in _framed(run_cli, "actors")["@graph"]}
    ans = actors["ans"]
    assert [s["label"]["fr"] for s in ans["develops"]] == ["Pro Santé Connect"]
    assert {s["label"]["fr"] for s in ans["maintains"]} == {"Pro Santé Connect", "Liste blanche"}
    assert len(ans["hasMission"]) == 6
    assert all(set(m) == {"id", "type", "label"} for m in ans["hasMission"])
    assert {s["label"]["fr"] for s in actors["dns"]["steers"]} == {
        "Ségur du numérique en santé", "Ségur usage numérique en établissement de santé"}
    assert actors["ars-bretagne"]["coversRegion"]["label"]["fr"] == "Bretagne"


def test_services_frame_gives_core_services_with_their_developers(run_cli) -> None:
    services = {s["label"]["fr"]: s for s in _framed(run_cli, "services")["@graph"]}
    assert len(services) == 6
    psc = services["Pro Santé Connect"]
    assert [actor["acronym"] for actor in psc["developers"]] == [["ANS"]]
    assert [actor["acronym"] for actor in psc["maintainers"]] == [["ANS"]]
    assert "Identité nationale de santé" in services


def test_frame_output_is_reproducible_and_loads_back(run_cli, tmp_path: Path) -> None:
    from segur_kg.rdf.reading import parse_file

    first = run_cli("export", "--format", "jsonld", "--frame", "waves", PYTHONHASHSEED="1")
    second = run_cli("export", "--format", "jsonld", "--frame", "waves", PYTHONHASHSEED="2")
    assert first.stdout == second.stdout
    target = tmp_path / "waves.jsonld"
    target.write_text(first.stdout, encoding="utf-8")
    graph = parse_file(target)
    assert len(graph) > 50


def test_unknown_frame_lists_the_frames(run_cli) -> None:
    result = run_cli("export", "--format", "jsonld", "--frame", "wave")
    assert_clean_error(result)
    assert "actors, services, waves" in result.stderr


def test_frame_with_another_format_is_refused(run_cli) -> None:
    result = run_cli("export", "--format", "ttl", "--frame", "waves")
    assert_clean_error(result)
    assert "--frame" in result.stderr


# --- safe loading ---------------------------------------------------------------------------


def test_the_shipped_context_iri_is_resolved_from_the_shipped_file(tmp_path: Path) -> None:
    from segur_kg.rdf.reading import parse_file

    doc = tmp_path / "linked.jsonld"
    doc.write_text(json.dumps({
        "@context": CONTEXT_IRI,
        "id": "https://w3id.org/segur/id/software/demo", "type": "SoftwareCategory",
        "label": {"fr": "Démo", "en": "Demo"}, "inWave": "https://w3id.org/segur/id/wave/vague-2",
    }), encoding="utf-8")
    triples = {(str(p), str(o)) for _, p, o in parse_file(doc)}
    assert (DEF + "inWave", "https://w3id.org/segur/id/wave/vague-2") in triples
    assert ("http://www.w3.org/2000/01/rdf-schema#label", "Démo") in triples


def test_remote_context_is_refused_and_nothing_connects(
    run_cli, tmp_path: Path, listening_socket
) -> None:
    port = listening_socket.getsockname()[1]
    doc = tmp_path / "remote.jsonld"
    doc.write_text(json.dumps({"@context": f"http://127.0.0.1:{port}/context.jsonld",
                               "id": "http://example.org/a", "label": "x"}))
    result = run_cli("validate", str(doc), timeout=60)
    assert_clean_error(result)
    assert f"127.0.0.1:{port}" in result.stderr
    assert_no_connection(listening_socket)


def test_lookalike_of_the_shipped_iri_is_refused(listening_socket, tmp_path: Path) -> None:
    from segur_kg.common.errors import SegurKgError
    from segur_kg.rdf.reading import parse_file

    doc = tmp_path / "http.jsonld"
    doc.write_text(json.dumps({"@context": CONTEXT_IRI.replace("https:", "http:"),
                               "id": "http://example.org/a"}))
    with pytest.raises(SegurKgError, match="refused"):
        parse_file(doc)


def _watched_fifo(path: Path) -> threading.Thread:
    """A named pipe whose writer only gets through if someone opens the pipe to read it."""
    os.mkfifo(path)

    def writer() -> None:
        with open(path, "w", encoding="utf-8") as stream:  # blocks until a reader opens it
            stream.write('{"@context": {"label": "http://example.org/SECRET"}}')

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    return thread


def _release(path: Path, thread: threading.Thread) -> bool:
    """Whether the pipe had been opened; unblocks the writer either way."""
    opened = not thread.is_alive()
    if not opened:
        with open(path, encoding="utf-8") as stream:
            stream.read()
    thread.join(timeout=5)
    return opened


@pytest.mark.parametrize("reference", ["secret.jsonld", "file:{path}", "{path}"])
def test_local_context_file_is_never_read(run_cli, tmp_path: Path, reference: str) -> None:
    secret = tmp_path / "secret.jsonld"
    thread = _watched_fifo(secret)
    doc = tmp_path / "local.jsonld"
    named = reference.format(path=secret.as_posix()).replace("file:/", "file:///", 1)
    doc.write_text(json.dumps({"@context": named, "id": "http://example.org/a", "label": "x"}))
    result = run_cli("validate", str(doc), timeout=60)
    assert not _release(secret, thread), "the context file was opened"
    assert_clean_error(result)
    assert "SECRET" not in result.stdout + result.stderr


def test_import_of_a_local_file_is_never_read(tmp_path: Path) -> None:
    from segur_kg.common.errors import SegurKgError
    from segur_kg.rdf.reading import parse_file

    secret = tmp_path / "secret.jsonld"
    thread = _watched_fifo(secret)
    doc = tmp_path / "import.jsonld"
    doc.write_text(json.dumps({"@context": {"@version": 1.1, "@import": "secret.jsonld"},
                               "@id": "http://example.org/a"}))
    with pytest.raises(SegurKgError, match="@import"):
        parse_file(doc)
    assert not _release(secret, thread), "the imported file was opened"


def test_the_fifo_watch_does_detect_a_read(tmp_path: Path) -> None:
    # The check above would be worthless if opening the pipe went unnoticed.
    secret = tmp_path / "secret.jsonld"
    thread = _watched_fifo(secret)
    with open(secret, encoding="utf-8") as stream:
        assert "SECRET" in stream.read()
    thread.join(timeout=5)
    assert _release(secret, thread)
