"""`segur-kg describe`: the VoID + DCAT description states the real counts, links and files."""

from __future__ import annotations

import json
import tomllib
from collections import Counter
from pathlib import Path

import pytest
from conftest import assert_clean_error
from rdflib import RDF, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, SKOS

DCAT = Namespace("http://www.w3.org/ns/dcat#")  # rdflib's own lacks dcat:version
VOID = Namespace("http://rdfs.org/ns/void#")
DATASET = URIRef("https://w3id.org/segur/id/dataset/segur-kg")


def _described(run_cli, fmt: str = "nt", **env: str) -> Graph:
    result = run_cli("describe", "--format", fmt, **env)
    assert result.returncode == 0, result.stderr
    return Graph().parse(data=result.stdout, format={"nt": "nt", "ttl": "turtle",
                                                     "jsonld": "json-ld"}[fmt])


def _int(graph: Graph, subject: URIRef, predicate: URIRef) -> int:
    value = graph.value(subject, predicate)
    assert isinstance(value, Literal), f"{subject} has no {predicate}"
    return int(value)


def test_description_counts_equal_the_loaded_graph(run_cli, dataset) -> None:
    described = _described(run_cli)
    assert _int(described, DATASET, VOID.triples) == len(dataset)
    classes = Counter(o for _, o in set(dataset.subject_objects(RDF.type)))
    assert _int(described, DATASET, VOID.classes) == len(classes)
    properties = Counter(p for _, p, _ in dataset)
    assert _int(described, DATASET, VOID.properties) == len(properties)
    assert _int(described, DATASET, VOID.distinctSubjects) == len(set(dataset.subjects()))
    partitions = list(described.objects(DATASET, VOID.classPartition))
    assert {described.value(p, VOID["class"]): _int(described, p, VOID.entities)
            for p in partitions} == dict(classes)
    partitions = list(described.objects(DATASET, VOID.propertyPartition))
    assert {described.value(p, VOID.property): _int(described, p, VOID.triples)
            for p in partitions} == dict(properties)


def test_description_triple_count_matches_stats(run_cli) -> None:
    stats = json.loads(run_cli("stats", "--format", "json").stdout)
    assert _int(_described(run_cli), DATASET, VOID.triples) == stats["triples"]


def test_description_states_titles_licence_version_and_publisher(run_cli, repo_root) -> None:
    project = tomllib.loads((repo_root / "pyproject.toml").read_text())["project"]
    described = _described(run_cli, "ttl")
    assert (DATASET, RDF.type, VOID.Dataset) in described
    assert (DATASET, RDF.type, DCAT.Dataset) in described
    for predicate in (DCTERMS.title, DCTERMS.description):
        languages = {o.language for o in described.objects(DATASET, predicate)}
        assert languages == {"fr", "en"}, predicate
    licence = URIRef(f"https://spdx.org/licenses/{project['license'].split(' AND ')[-1]}")
    assert described.value(DATASET, DCTERMS.license) == licence
    assert str(described.value(DATASET, OWL.versionInfo)) == project["version"]
    assert str(described.value(DATASET, DCAT["version"])) == project["version"]
    assert described.value(DATASET, DCTERMS.publisher) is not None
    vocabularies = set(described.objects(DATASET, VOID.vocabulary))
    assert URIRef("https://w3id.org/segur/def") in vocabularies
    assert URIRef(str(SKOS)) in vocabularies


def test_every_export_format_has_a_distribution_with_its_media_type(run_cli) -> None:
    from segur_kg.publishing.describe import MEDIA_TYPES, distributions
    from segur_kg.publishing.formats import FORMATS, TABLE_FORMAT

    assert {*FORMATS, TABLE_FORMAT} <= set(MEDIA_TYPES), "give every export format a media type"
    described = _described(run_cli)
    nodes = set(described.objects(DATASET, DCAT.distribution))
    assert len(nodes) == len(distributions())
    media = {str(described.value(node, DCAT.mediaType)).rsplit("media-types/", 1)[1]
             for node in nodes}
    whole_graph = {dist.fmt for dist in distributions() if dist.table is None}
    assert {MEDIA_TYPES[fmt] for fmt in whole_graph} <= media
    for node in nodes:
        url = str(described.value(node, DCAT.downloadURL))
        assert url.startswith("https://w3id.org/segur/release/"), url
        # Sizes and checksums are only known inside a release.
        assert described.value(node, DCAT.byteSize) is None


def test_link_sets_count_the_links_to_each_nos_scheme(run_cli, dataset) -> None:
    from segur_kg.publishing.counts import nos_schemes

    described = _described(run_cli)
    schemes = set(nos_schemes())
    linksets = set(described.subjects(RDF.type, VOID.Linkset))
    assert len(linksets) == len(set(described.objects(DATASET, VOID.subset)))
    expected: Counter[tuple[URIRef, URIRef]] = Counter()
    members = {c: s for s in schemes for c in dataset.subjects(SKOS.inScheme, s)}
    for s, p, o in dataset:
        if o in members and s not in members and s not in schemes:
            expected[(members[o], p)] += 1
    found = {(described.value(node, VOID.objectsTarget), described.value(node, VOID.linkPredicate)):
             _int(described, node, VOID.triples) for node in linksets}
    assert found == dict(expected)
    assert {scheme for scheme, _ in found} <= schemes


def test_a_new_link_in_the_data_shows_in_its_link_set(run_cli, repo_copy: Path) -> None:
    from segur_kg.publishing.counts import nos_schemes

    schemes = nos_schemes()
    regions = [s for s in schemes if "TRE_R30" in str(s)]
    assert regions, "data/nos/ has no TRE_R30 scheme"
    before = _described(run_cli, SEGUR_KG_HOME=str(repo_copy))
    concept = f"{regions[0]}/53"
    extra = repo_copy / "data" / "zz-extra-link.ttl"
    extra.write_text(f"<https://w3id.org/segur/id/actor/ans> "
                     f"<http://purl.org/dc/terms/spatial> <{concept}> .\n", encoding="utf-8")
    after = _described(run_cli, SEGUR_KG_HOME=str(repo_copy))

    def spatial_links(graph: Graph) -> int:
        for node in graph.subjects(VOID.linkPredicate, DCTERMS.spatial):
            if graph.value(node, VOID.objectsTarget) == regions[0]:
                return _int(graph, node, VOID.triples)
        return 0

    assert spatial_links(after) == spatial_links(before) + 1
    assert _int(after, DATASET, VOID.triples) == _int(before, DATASET, VOID.triples) + 1


@pytest.mark.parametrize("fmt", ["ttl", "jsonld", "nt"])
def test_describe_is_byte_identical_across_hash_seeds(run_cli, fmt: str) -> None:
    first = run_cli("describe", "--format", fmt, PYTHONHASHSEED="3")
    second = run_cli("describe", "--format", fmt, PYTHONHASHSEED="777")
    assert first.returncode == 0, first.stderr
    assert first.stdout and first.stdout == second.stdout


def test_describe_formats_give_the_same_graph(run_cli) -> None:
    from rdflib.compare import isomorphic

    turtle = _described(run_cli, "ttl")
    assert isomorphic(turtle, _described(run_cli, "nt"))
    assert isomorphic(turtle, _described(run_cli, "jsonld"))


def test_describe_output_file_is_written(run_cli, tmp_path: Path) -> None:
    target = tmp_path / "description.ttl"
    result = run_cli("describe", "-o", str(target))
    assert result.returncode == 0, result.stderr
    assert target.read_text(encoding="utf-8") == run_cli("describe").stdout


def test_describe_into_a_missing_folder_fails_cleanly(run_cli, tmp_path: Path) -> None:
    assert_clean_error(run_cli("describe", "-o", str(tmp_path / "missing" / "d.ttl")))
