"""`segur-kg synth`: a seeded, reproducible synthetic extension of the size asked for, tied to
the resources of the real graph, conforming to the shapes, written atomically."""

from __future__ import annotations

import contextlib
import datetime
import os
import re
from pathlib import Path

import pyoxigraph
import pytest
from conftest import assert_clean_error
from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, SKOS

from segur_kg.checking.validate import validate_files
from segur_kg.querying.catalog import parse_header
from segur_kg.rdf.reading import load_dataset, parse_file
from segur_kg.sources import synth

REPO_ROOT = Path(__file__).resolve().parents[1]
SEGUR = "https://w3id.org/segur/def/"
XSD_DATE = URIRef("http://www.w3.org/2001/XMLSchema#date")
KINDS = {"SoftwareVendor", "SoftwareProduct", "HealthEstablishment", "HealthProfessional",
         "MssanteMailbox"}
SMALL = 20_000


def segur(name: str) -> URIRef:
    return URIRef(SEGUR + name)


@pytest.fixture(scope="module")
def dataset() -> Graph:
    return load_dataset()


@pytest.fixture(scope="module")
def extension(tmp_path_factory, dataset: Graph) -> Path:
    path = tmp_path_factory.mktemp("synth") / "extension.nt"
    synth.generate(SMALL, 1, path, graph=dataset)
    return path


@pytest.fixture(scope="module")
def merged(extension: Path, dataset: Graph) -> Graph:
    """The extension read back by the project's own reader, together with the dataset."""
    graph = Graph()
    graph += dataset
    parse_file(extension, graph)
    return graph


@pytest.fixture(scope="module")
def own(extension: Path) -> Graph:
    return parse_file(extension)


def generate(tmp_path: Path, scale: int, seed: int, dataset: Graph, name: str = "out.nt") -> Path:
    path = tmp_path / name
    synth.generate(scale, seed, path, graph=dataset)
    return path


# --- reproducible, and the size asked for ------------------------------------------------------


def test_same_seed_gives_the_same_bytes_whatever_the_hash_seed(run_cli, tmp_path: Path) -> None:
    outputs = []
    for hash_seed in ("1", "2"):
        path = tmp_path / f"run-{hash_seed}.nt"
        result = run_cli("synth", "--scale", "10k", "--seed", "42", "-o", str(path),
                         PYTHONHASHSEED=hash_seed)
        assert result.returncode == 0, result.stderr
        assert re.fullmatch(r"wrote [\d,]+ triples to \S+ \(seed 42\)\n", result.stderr)
        outputs.append(path.read_bytes())
    assert outputs[0] == outputs[1]
    assert outputs[0].count(b"\n") > 9_900


def test_another_seed_gives_other_data_of_the_same_size(tmp_path: Path, dataset: Graph) -> None:
    first = generate(tmp_path, 10_000, 1, dataset, "one.nt").read_bytes()
    second = generate(tmp_path, 10_000, 2, dataset, "two.nt").read_bytes()
    assert first != second
    assert abs(first.count(b"\n") - second.count(b"\n")) <= 10
    # Not just a different description: the data themselves differ.
    assert set(first.splitlines()[:-20]) != set(second.splitlines()[:-20])


@pytest.mark.parametrize("scale", [10_000, 35_000])
def test_the_number_of_triples_is_within_one_percent_of_the_scale(
        tmp_path: Path, dataset: Graph, scale: int) -> None:
    path = generate(tmp_path, scale, 3, dataset)
    lines = path.read_bytes().splitlines()
    assert abs(len(lines) - scale) <= scale // 100
    declared = [re.search(rb'"(\d+)"', line)[1] for line in lines
                if b"<http://rdfs.org/ns/void#triples>" in line]
    assert declared == [str(len(lines)).encode()]  # the description counts the whole file


@pytest.mark.parametrize("text, expected", [
    ("10000", 10_000), ("100k", 100_000), ("100K", 100_000), ("1M", 1_000_000),
    ("10M", 10_000_000), ("2.5M", 2_500_000),
])
def test_scale_accepts_k_and_m_suffixes(text: str, expected: int) -> None:
    assert synth.parse_scale(text) == expected


# --- tied to the real graph --------------------------------------------------------------------


def test_every_new_class_is_present(own: Graph) -> None:
    present = {str(o).removeprefix(SEGUR) for o in own.objects(None, RDF.type)}
    assert KINDS <= present


def test_every_resource_iri_says_it_is_synthetic(own: Graph) -> None:
    subjects = {str(s) for s in own.subjects()}
    described = [s for s in subjects if "/id/dataset/" not in s]
    assert described
    assert [s for s in described
            if not re.fullmatch(r"https://w3id\.org/segur/id/[a-z-]+/synthetic-\d+", s)] == []
    description = next(own.subjects(RDF.type, URIRef("http://rdfs.org/ns/void#Dataset")))
    texts = {str(d) for d in own.objects(description, DCTERMS.description)}
    assert any("Synthetic data" in t and "--seed 1" in t for t in texts), texts
    assert set(own.objects(None, DCTERMS.source)) == {description}


def test_every_region_and_current_profession_of_the_dataset_is_used(
        own: Graph, dataset: Graph) -> None:
    regions = {c for r in dataset.subjects(RDF.type, segur("Region"))
               for c in dataset.objects(r, SKOS.exactMatch)}
    assert len(regions) == 18
    assert set(own.objects(None, DCTERMS.spatial)) == regions

    scheme = next(dataset.objects(next(dataset.objects(None, segur("servesProfession"))),
                                  SKOS.inScheme))
    current = {c for c in dataset.subjects(SKOS.inScheme, scheme)
               if (c, OWL.deprecated, Literal(True)) not in dataset}
    assert "TRE_G15" in str(scheme) and len(current) > 20
    assert set(own.objects(None, segur("hasProfession"))) == current


def test_every_category_wave_and_mailbox_kind_of_the_dataset_is_used(
        own: Graph, dataset: Graph) -> None:
    categories = set(dataset.subjects(RDF.type, segur("SoftwareCategory")))
    assert set(own.objects(None, segur("inSoftwareCategory"))) == categories
    waves = set(dataset.subjects(RDF.type, segur("Wave")))
    assert set(own.objects(None, segur("referencedInWave"))) == waves
    kinds = set(dataset.subjects(RDF.type, segur("MailboxKind")))
    assert len(kinds) == 3
    assert set(own.objects(None, segur("hasMailboxKind"))) == kinds


def test_every_link_points_to_a_typed_resource_of_the_dataset_or_the_extension(
        merged: Graph, own: Graph) -> None:
    links = ("publishedBy", "inSoftwareCategory", "referencedInWave", "usesProduct",
             "practisesAt", "hasMailboxKind", "mailboxHolder", "hasProfession")
    dangling = [(str(p), str(o)) for name in links for _, p, o in own.triples(
        (None, segur(name), None)) if merged.value(o, RDF.type) is None]
    assert dangling == []


def test_a_product_is_referenced_in_its_category_wave_within_the_period_the_data_gives(
        own: Graph, dataset: Graph) -> None:
    def first_day(value: Literal) -> datetime.date:
        text = str(value)
        return datetime.date.fromisoformat((text + "-01-01")[:10] if len(text) == 4
                                           else (text + "-01")[:10])

    checked = 0
    for product in own.subjects(RDF.type, segur("SoftwareProduct")):
        wave = own.value(product, segur("referencedInWave"))
        category = own.value(product, segur("inSoftwareCategory"))
        assert (category, segur("inWave"), wave) in dataset
        day = own.value(product, segur("referencingDate"))
        assert day.datatype == XSD_DATE
        day = day.toPython()
        starts = [first_day(v) for p in ("launchDate", "announcedFor")
                  for v in dataset.objects(wave, segur(p))]
        assert starts and day >= min(starts)
        for end in dataset.objects(wave, segur("deploymentEnd")):
            assert day <= datetime.date(int(str(end)[:4]), 12, 31)
        for later in dataset.subjects(segur("extends"), wave):  # before the next wave opens
            assert day < min(first_day(v) for p in ("launchDate", "announcedFor")
                             for v in dataset.objects(later, segur(p)))
        checked += 1
    assert checked >= 30


def test_proportions_are_those_of_a_national_directory(own: Graph) -> None:
    def count(kind: str) -> int:
        return len(set(own.subjects(RDF.type, segur(kind))))

    assert count("HealthProfessional") >= 20 * count("HealthEstablishment")
    assert count("HealthEstablishment") > count("SoftwareProduct") >= count("SoftwareVendor")
    by_kind = {}
    for kind in own.objects(None, segur("hasMailboxKind")):
        by_kind[str(kind).rsplit("/", 1)[-1]] = by_kind.get(str(kind).rsplit("/", 1)[-1], 0) + 1
    assert by_kind["personnelle"] > by_kind["organisationnelle"] > by_kind["applicative"] > 0
    addresses = list(own.objects(None, segur("mailboxAddress")))
    assert len(addresses) == len(set(addresses))


def test_the_holder_of_each_mailbox_matches_its_kind(merged: Graph) -> None:
    holder_class = {"personnelle": "HealthProfessional", "organisationnelle": "HealthEstablishment",
                    "applicative": "SoftwareProduct"}
    wrong = []
    for mailbox in merged.subjects(RDF.type, segur("MssanteMailbox")):
        kind = str(merged.value(mailbox, segur("hasMailboxKind"))).rsplit("/", 1)[-1]
        holder = merged.value(mailbox, segur("mailboxHolder"))
        if (holder, RDF.type, segur(holder_class[kind])) not in merged:
            wrong.append(str(mailbox))
    assert wrong == []


def test_literals_with_quotes_backslashes_and_line_breaks_read_back_unchanged() -> None:
    value = 'Un "titre" \\ sur\ndeux lignes\r, é ° ü'
    line = f"<https://example.org/a> <{RDFS.label}> {synth.text(value, 'fr')} .\n"
    line += f"<https://example.org/a> <{RDFS.comment}> {synth.text(value)} .\n"
    graph = Graph().parse(data=line, format="nt")
    assert set(graph.objects()) == {Literal(value, lang="fr"), Literal(value)}


# --- conforms to the shapes --------------------------------------------------------------------


def test_the_extension_conforms_to_the_shapes_with_the_dataset(extension: Path) -> None:
    report = validate_files([extension], lang="en", with_dataset=True)
    assert [(r.severity, r.requirement, r.focus, r.path) for r in report.results] == []
    assert report.exit_code == 0


# --- the benchmark questions answer on it ------------------------------------------------------


def test_every_benchmark_question_has_answers_on_the_extension(extension: Path,
                                                               dataset: Graph) -> None:
    store = pyoxigraph.Store()
    store.load(dataset.serialize(format="nt", encoding="utf-8"),
               format=pyoxigraph.RdfFormat.N_TRIPLES)
    store.load(extension.read_bytes(), format=pyoxigraph.RdfFormat.N_TRIPLES)
    files = sorted((REPO_ROOT / "benchmarks" / "queries").glob("*.rq"))
    assert len(files) >= 5
    empty = []
    for path in files:
        text = path.read_text(encoding="utf-8")
        header = parse_header(text, path.stem, path)
        assert set(header.questions) == {"fr", "en"}, path.name
        rows = list(store.query(text))
        if not rows or any(value is None for value in rows[0]):
            empty.append(path.name)
    assert empty == []


# --- options and failures ----------------------------------------------------------------------


@pytest.mark.parametrize("args", [
    ["-o", "x.nt"],
    ["--scale", "lots", "-o", "x.nt"],
    ["--scale", "5k", "-o", "x.nt"],
    ["--scale", "200M", "-o", "x.nt"],
    ["--scale", "1.5", "-o", "x.nt"],
    ["--scale", "1G", "-o", "x.nt"],
    ["--scale", "20k", "--seed", "-1", "-o", "x.nt"],
    ["--scale", "20k", "--seed", "abc", "-o", "x.nt"],
    ["--scale", "20k"],
    ["--scale", "20k", "-o", "x.csv"],
    ["--scale", "20k", "-o", "missing/x.nt"],
    ["--scale", "20k", "-o", "folder.nt"],
])
def test_bad_options_give_a_one_line_error_and_write_nothing(
        run_cli, tmp_path: Path, args: list[str]) -> None:
    (tmp_path / "folder.nt").mkdir()
    result = run_cli("synth", *args, cwd=tmp_path)
    assert_clean_error(result)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["folder.nt"]


def test_a_pipe_as_output_is_refused_and_left_alone(run_cli, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.nt"
    os.mkfifo(fifo)
    result = run_cli("synth", "--scale", "10k", "-o", str(fifo))
    assert_clean_error(result)
    assert fifo.exists() and not fifo.is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipe.nt"]


def test_an_interruption_leaves_no_file_and_keeps_the_previous_one(
        tmp_path: Path, dataset: Graph, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "extension.nt"
    target.write_text("previous\n", encoding="utf-8")

    class Interrupting:
        def update(self, _count: int) -> None:
            raise KeyboardInterrupt  # as Ctrl-C would, in the middle of the writing

    @contextlib.contextmanager
    def bar(*_args, **_kwargs):
        yield Interrupting()

    monkeypatch.setattr(synth.progress, "bar", bar)
    with pytest.raises(KeyboardInterrupt):
        synth.generate(10_000, 1, target, graph=dataset)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["extension.nt"]
    assert target.read_text(encoding="utf-8") == "previous\n"


def test_a_ttl_name_gets_the_same_lines_which_read_as_turtle(tmp_path: Path,
                                                             dataset: Graph) -> None:
    as_nt = generate(tmp_path, 10_000, 5, dataset, "out.nt")
    as_ttl = generate(tmp_path, 10_000, 5, dataset, "out.ttl")
    assert as_nt.read_bytes() == as_ttl.read_bytes()
    assert len(parse_file(as_ttl)) == as_ttl.read_bytes().count(b"\n")
