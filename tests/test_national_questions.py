"""The competency questions on the national registries (queries/national/, named national/NAME):
each is stated in French and English, runs on an Oxigraph store holding the base graph and the
three hand-made registry extracts (tests/fixtures/registries/, whose README says what each line
holds), and gives its expected answer (queries/national/expected/NAME.csv, the answer without
parameters, `--format csv --lang fr`).

The expected answers were checked by hand against the fixture lines; some of those figures are
asserted here on their own, so that a wrong expected file cannot hide them:

- FINESS: 13 establishment lines are read (line 15 is malformed); 12 of them have a known
  category with a corridor. The hospital corridor has 2 establishments in Auvergne-Rhône-Alpes
  (the CH 010000024 in the Ain and the CHR 690999901 in the Rhône) and one with no region (the
  Wallis hospital 980699913); the links of categories 611 and 620 cite their page, the others are
  the graph's readings.
- EHPAD (500): one for the ARS Bretagne (290999903, Finistère) and one for the ARS
  Auvergne-Rhône-Alpes (690999902); of the three CH (355) only two come under an agency, as
  Wallis-et-Futuna has none.
- Professionals: 2 doctors in Auvergne-Rhône-Alpes with 4 activities (FICTIFNOM1, FICTIFNOM2);
  the physiotherapist FICTIFNOM6 counts once in Bretagne with 2 activities (one département read
  from the postal code); the dentist FICTIFNOM8 practises abroad only and is in no region.
- Personal mailboxes: the pharmacist FICTIFNOM11 (Corse) and the physiotherapist FICTIFNOM6
  (Bretagne) have none (0 %); the two doctors of Auvergne-Rhône-Alpes both have one (100 %).
- Organisational mailboxes: 2 of the 3 CH have one (Réunion, Wallis); the laboratory has none,
  its mailbox line (18) being malformed.
- Mailboxes: 15 in all (5 ORG, 10 PER: the address on lines 5 and 6 counts once), 4 personal
  ones on medecin-fictif.mssante.fr (FICTIFNOM1, 2, 12 and 13).
- Legal entities: only 690999900 has two sites (the CHR and its EHPAD); 12 legal entities in all.
- Overseas: Guadeloupe (971, the Saint-Barthélemy health centre), La Réunion (974) and
  Wallis-et-Futuna (986, no region) each have 1 establishment and 1 professional; Wallis has an
  organisational mailbox, Guadeloupe none.
- Outside the 18 regions: 2 activities with no département (abroad; the unknown territory) and 1
  in Wallis-et-Futuna; the mailbox of FICTIFNOM13, absent from the professionals' file.
"""

from __future__ import annotations

import contextlib
import csv
import io
import re
from pathlib import Path

import pytest
from conftest import command_output

from segur_kg.cli import main
from segur_kg.querying import catalog

NATIONAL_DIR = Path(__file__).resolve().parents[1] / "queries" / "national"
EXPECTED_DIR = NATIONAL_DIR / "expected"
BY_RECORDS_DIR = NATIONAL_DIR / "by-records"
QUERY_FILES = sorted(NATIONAL_DIR.glob("*.rq"))
NAMES = [path.stem for path in QUERY_FILES]
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "registries"
WITH_REGION = [name for name in NAMES
               if re.search(r"^# param region \(", (NATIONAL_DIR / f"{name}.rq").read_text(
                   encoding="utf-8"), re.MULTILINE)]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The base graph and the three registry extracts, in one Oxigraph store."""
    spec = f"oxigraph:{tmp_path_factory.mktemp('national') / 'store'}"
    with command_output() as output, contextlib.redirect_stderr(io.StringIO()):
        assert main(["load", "--store", spec]) == 0, output.getvalue()
        files = [str(FIXTURES / name) for name in ("mssante.txt", "rpps.txt",
                                                   "finess-etalab.csv")]
        assert main(["import", "auto", *files, "--store", spec]) == 0
    return spec


@pytest.fixture(scope="module")
def synthetic_store(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The base graph and cross-referenced synthetic files (seed 5), in one Oxigraph store."""
    from segur_kg.sources.registries import synthetic

    folder = tmp_path_factory.mktemp("synthetic")
    sizes = {"finess": 2_000, "rpps": 12_000, "mssante": 4_000}
    files = []
    for kind, rows in sizes.items():
        files.append(folder / synthetic.file_name(kind))
        refers = {"rpps": {"finess_rows": sizes["finess"]},
                  "mssante": {"finess_rows": sizes["finess"], "rpps_rows": sizes["rpps"]}}
        synthetic.write(kind, rows, 5, files[-1], **refers.get(kind, {}))
    spec = f"oxigraph:{folder / 'store'}"
    with command_output() as output, contextlib.redirect_stderr(io.StringIO()):
        assert main(["load", "--store", spec]) == 0, output.getvalue()
        assert main(["import", "auto", *map(str, files), "--store", spec]) == 0
    return spec




def answer(store: str, name: str, *params: str, iris: bool = False,
           by_records: bool = False) -> str:
    """`segur-kg query national/NAME --param ... --format csv --lang fr` on the store (with
    `by_records`, the same question counted from the records, by-records/NAME.rq)."""
    query = str(BY_RECORDS_DIR / f"{name}.rq") if by_records else f"national/{name}"
    args = ["query", query, "--store", store, "--format", "csv", "--lang", "fr"]
    for pair in params:
        args += ["--param", pair]
    if iris:
        args.append("--iris")
    with command_output() as buffer:
        code = main(args)
    assert code == 0
    return buffer.getvalue().decode("utf-8")


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_there_are_at_least_eight_national_questions_each_with_its_answer() -> None:
    assert len(QUERY_FILES) >= 8
    assert {path.stem for path in EXPECTED_DIR.glob("*.csv")} == set(NAMES)


@pytest.mark.parametrize("path", QUERY_FILES, ids=NAMES)
def test_question_is_stated_in_french_and_english_with_optional_parameters(path: Path) -> None:
    query = catalog.load_file(path)
    assert query.name == f"national/{path.stem}"
    assert query.questions["fr"].endswith("?") and query.questions["en"].endswith("?")
    # Every parameter can be left out: the expected answer is the one without parameters.
    assert all(param.optional or param.default is not None for param in query.params)


@pytest.mark.parametrize("name", NAMES)
def test_question_gives_its_expected_answer(store: str, name: str) -> None:
    expected = (EXPECTED_DIR / f"{name}.csv").read_text(encoding="utf-8")
    assert answer(store, name) == expected
    assert len(expected.splitlines()) >= 2


@pytest.mark.parametrize("name", [name for name in NAMES
                                  if catalog.load_file(NATIONAL_DIR / f"{name}.rq").examples])
def test_question_answers_its_example(store: str, name: str) -> None:
    example = catalog.load_file(NATIONAL_DIR / f"{name}.rq").examples[0]
    assert rows(answer(store, name, *(f"{key}={value}" for key, value in example.items())))


@pytest.mark.parametrize("name", WITH_REGION)
def test_an_unknown_region_gives_no_row(store: str, name: str) -> None:
    lines = answer(store, name, "region=Atlantide").splitlines()
    assert len(lines) == 1 and lines[0] == EXPECTED_DIR.joinpath(f"{name}.csv").read_text(
        encoding="utf-8").splitlines()[0]


# Values tried for each parameter, alone; and each question's examples.
TRIED = {
    "region": ["84", "Bretagne", "04", "guadeloupe", "Atlantide"],
    "profession": ["10", "Médecin", "infirmier", "21", "70", "Atlantide"],
    "category": ["500", "355", "611", "9999"],
    "minimum": ["1", "2", "3"],
    "kind": ["mailbox-kind/personnelle", "mailbox-kind/organisationnelle"],
    "corridor": ["corridor/hopital", "corridor/officine", "corridor/imagerie-medicale"],
}


def parameter_sets(name: str) -> list[tuple[str, ...]]:
    query = catalog.load_file(NATIONAL_DIR / f"{name}.rq")
    found: list[tuple[str, ...]] = [()]
    found += [(f"{param.name}={value}",) for param in query.params
              for value in TRIED[param.name]]
    found += [tuple(f"{key}={value}" for key, value in example.items())
              for example in query.examples]
    return found


@pytest.mark.parametrize("name", NAMES)
def test_figures_answer_as_the_records_do(store: str, name: str) -> None:
    """Each question reads the figures the import computed; counted from the records
    (by-records/NAME.rq), it gives the same rows, with every parameter tried."""
    assert (BY_RECORDS_DIR / f"{name}.rq").is_file()
    for params in parameter_sets(name):
        assert answer(store, name, *params) == answer(store, name, *params, by_records=True), (
            params)


@pytest.mark.parametrize("name", NAMES)
def test_figures_answer_as_the_records_do_on_a_synthetic_set(synthetic_store: str,
                                                              name: str) -> None:
    query = catalog.load_file(NATIONAL_DIR / f"{name}.rq")
    for params in [(), *(tuple(f"{key}={value}" for key, value in example.items())
                         for example in query.examples)]:
        figures = answer(synthetic_store, name, *params)
        assert len(figures.splitlines()) >= 2, params
        assert figures == answer(synthetic_store, name, *params, by_records=True), params


def test_an_activity_in_two_overseas_departments_counts_in_each_as_by_records(
        tmp_path: Path) -> None:
    """Two lines of one nurse that differ only by their département make one activity with
    two départements and two regions; a profession's overseas figures keep to each row's
    region, as the records do."""
    lines = (FIXTURES / "rpps.txt").read_text(encoding="utf-8").splitlines()
    template = next(line.split("|") for line in lines if "FICTIFNOM5" in line)

    def nurse(national: str, department: str) -> str:
        fields = list(template)
        fields[0], fields[1], fields[2] = "8", national[1:], national
        fields[19] = fields[21] = fields[22] = fields[23] = ""  # no site: the same activity
        fields[44], fields[45] = department, ""
        return "|".join(fields)

    extra = [nurse("819900000091", "971"), nurse("819900000091", "972"),
             nurse("819900000092", "971")]
    rpps = tmp_path / "rpps.txt"
    rpps.write_text("\n".join([*lines, *extra]) + "\n", encoding="utf-8")
    spec = f"oxigraph:{tmp_path / 'store'}"
    with command_output(), contextlib.redirect_stderr(io.StringIO()):
        assert main(["load", "--store", spec]) == 0
        assert main(["import", "auto", str(FIXTURES / "finess-etalab.csv"), str(rpps),
                     str(FIXTURES / "mssante.txt"), "--store", spec]) == 0
    for params in [(), ("profession=Infirmier",)]:
        figures = answer(spec, "overseas-coverage", *params)
        assert figures == answer(spec, "overseas-coverage", *params, by_records=True), params
    rows_971 = [row for row in rows(answer(spec, "overseas-coverage", "profession=Infirmier"))
                if row["departmentCode"] == "971"]
    assert sorted(row["regionCode"] for row in rows_971) == ["01", "02"]


def _figures_of(spec: str) -> list[str]:
    from pyoxigraph import NamedNode, RdfFormat, Store

    opened = Store.read_only(spec.removeprefix("oxigraph:"))
    dumped = opened.dump(format=RdfFormat.N_TRIPLES,
                         from_graph=NamedNode("https://w3id.org/segur/graph/figures"))
    return sorted(dumped.decode("utf-8").splitlines())


def test_imports_one_by_one_give_the_figures_of_one_import(store: str, tmp_path: Path) -> None:
    """Imported one at a time, each import reads the registries kept from the earlier ones
    back from the store: the figures are those of the three imported together."""
    spec = f"oxigraph:{tmp_path / 'store'}"
    with command_output(), contextlib.redirect_stderr(io.StringIO()):
        assert main(["load", "--store", spec]) == 0
        for registry, name in (("mssante", "mssante.txt"), ("rpps", "rpps.txt"),
                               ("finess", "finess-etalab.csv"), ("rpps", "rpps.txt")):
            assert main(["import", registry, str(FIXTURES / name), "--store", spec]) == 0
    together = _figures_of(store)
    assert len(together) > 100
    assert _figures_of(spec) == together


def test_the_figures_say_where_they_come_from(store: str) -> None:
    from pyoxigraph import NamedNode, Store

    from segur_kg.sources.registries import figures

    opened = Store.read_only(store.removeprefix("oxigraph:"))
    graph = NamedNode("https://w3id.org/segur/graph/figures")
    dataset = NamedNode(figures.DATASET)
    derived = {quad.object.value.rsplit("/", 1)[-1] for quad in opened.quads_for_pattern(
        dataset, NamedNode("http://www.w3.org/ns/prov#wasDerivedFrom"), None, graph)}
    assert derived == {"finess", "rpps", "mssante"}
    source = opened.quads_for_pattern(dataset, NamedNode("http://purl.org/dc/terms/source"),
                                      None, graph)
    assert [quad.object.value for quad in source] == [figures.READING]
    observations = list(opened.quads_for_pattern(
        None, NamedNode("http://purl.org/linked-data/cube#dataSet"), None, graph))
    found = {quad.object.value.rsplit("/", 1)[-1] for quad in observations}
    # a dataset per question's kind of count, and the legal entities of each region apart
    assert {key for key in found if not key.startswith("legal-entities-in-")} == set(
        figures.DATASETS)
    assert {"legal-entities-in-84", "legal-entities-in-53"} <= found
    described = {quad.subject.value.rsplit("/", 1)[-1] for quad in opened.quads_for_pattern(
        None, NamedNode("http://purl.org/dc/terms/isPartOf"), dataset, graph)}
    assert described == found


def test_national_questions_are_named_and_listed_apart() -> None:
    assert not any(query.name.startswith("national/") for query in catalog.list_queries())
    listed = [query.name for query in catalog.list_queries(national=True)]
    assert {f"national/{name}" for name in NAMES} <= set(listed)
    assert listed == sorted(listed)
    assert catalog.resolve("national/overseas-coverage").name == "national/overseas-coverage"
    assert catalog.resolve("national/overseas-coverage.rq").name == "national/overseas-coverage"


def _table(*args: str) -> str:
    with command_output() as buffer:
        assert main(["query", *args]) == 0
    return buffer.getvalue().decode("utf-8")


def test_an_empty_table_says_why_when_it_can_tell(store: str, tmp_path: Path) -> None:
    """A national question on a graph without the figures, or a name the graph does not
    write (no accent), gives an empty table with a line that says so; CSV stays plain."""
    without = _table("national/ehpad-per-ars")  # the graph of the files: no figures
    assert "(0 rows)\n(no national figures here: an import into a store counts them" in without
    unaccented = _table("national/professionals-by-profession-region", "--store", store,
                        "--param", "region=Ile-de-France")
    assert unaccented.endswith("(0 rows)\n(nothing for region='Ile-de-France': check the "
                               "value; a name is matched as the graph writes it, accents "
                               "included)\n")
    accented = _table("national/professionals-by-profession-region", "--store", store,
                      "--param", "region=Île-de-France")
    assert "(0 rows)" not in accented and "nothing for" not in accented
    plain = answer(store, "professionals-by-profession-region", "region=Ile-de-France")
    assert plain.splitlines() == [plain.splitlines()[0]]  # the header only


# --- figures checked by hand against the fixture lines ---------------------------------------


def test_establishments_by_corridor_and_region(store: str) -> None:
    found = rows(answer(store, "establishments-by-corridor-region", iris=True))
    count = {(r["linkedCorridor"].rsplit("/", 1)[-1], r["regionCode"]): int(r["establishments"])
             for r in found}
    assert count[("hopital", "84")] == 2
    assert count[("hopital", "")] == 1  # Wallis-et-Futuna: no region
    assert count[("officine", "11")] == count[("officine", "94")] == 1
    assert sum(count.values()) == 12  # 13 establishments, one of an unknown category
    basis = {r["linkedCorridor"].rsplit("/", 1)[-1]: r["basis"] for r in found}
    assert basis["officine"] == "https://esante.gouv.fr/segur/officine"
    assert basis["biologie-medicale"] == "https://esante.gouv.fr/segur/biologie-medicale"
    assert basis["hopital"] == basis["social-medico-social"] == (
        "https://w3id.org/segur/id/source/lecture-du-graphe")


def test_ehpad_and_other_categories_per_agency(store: str) -> None:
    ehpad = {r["regionCode"]: r["establishments"] for r in rows(answer(store, "ehpad-per-ars"))}
    assert ehpad == {"53": "1", "84": "1"}
    centres = {r["regionCode"]: r["establishments"]
               for r in rows(answer(store, "ehpad-per-ars", "category=355"))}
    assert centres == {"04": "1", "84": "1"}


def test_professionals_by_profession_and_region(store: str) -> None:
    found = {(r["professionCode"], r["regionCode"]): (r["professionals"], r["activities"])
             for r in rows(answer(store, "professionals-by-profession-region"))}
    assert found[("10", "84")] == ("2", "4")
    assert found[("70", "53")] == ("1", "2")
    assert not any(code == "40" for code, _ in found)  # the dentist practises abroad only
    doctors = rows(answer(store, "professionals-by-profession-region", "profession=médecin",
                          "region=Hauts-de-France"))
    assert [(r["professionCode"], r["regionCode"], r["professionals"]) for r in doctors] == [
        ("10", "32", "1")]


def test_share_of_professionals_with_a_personal_mailbox(store: str) -> None:
    share = {(r["professionCode"], r["regionCode"]): (r["withPersonalMailbox"], r["sharePercent"])
             for r in rows(answer(store, "personal-mailbox-share"))}
    assert share[("21", "94")] == ("0", "0")
    assert share[("70", "53")] == ("0", "0")
    assert share[("10", "84")] == ("2", "100")


def test_organisational_mailboxes_by_category(store: str) -> None:
    found = {r["categoryCode"]: (r["establishments"], r["withOrganisationalMailbox"],
                                 r["organisationalMailboxes"])
             for r in rows(answer(store, "organisational-mailboxes-by-category"))}
    assert found["355"] == ("3", "2", "2")
    assert found["611"] == ("1", "0", "0")


def test_mailboxes_by_operator_domain(store: str) -> None:
    found = rows(answer(store, "mailboxes-by-operator-domain", iris=True))
    assert sum(int(r["mailboxes"]) for r in found) == 15
    kinds: dict[str, int] = {}
    for r in found:
        kind = r["mailboxKind"].rsplit("/", 1)[-1]
        kinds[kind] = kinds.get(kind, 0) + int(r["mailboxes"])
    assert kinds == {"organisationnelle": 5, "personnelle": 10}
    first = found[0]
    assert (first["operatorDomain"], first["mailboxes"]) == ("medecin-fictif.mssante.fr", "4")


def test_legal_entities_with_the_most_sites(store: str) -> None:
    found = rows(answer(store, "legal-entities-most-sites"))
    assert [(r["legalEntityNumber"], r["establishments"]) for r in found] == [("690999900", "2")]
    every = rows(answer(store, "legal-entities-most-sites", "minimum=1"))
    assert len(every) == 12 and every[0]["legalEntityNumber"] == "690999900"


def test_overseas_coverage(store: str) -> None:
    found = {r["departmentCode"]: r for r in rows(answer(store, "overseas-coverage"))}
    assert set(found) == {"971", "974", "986"}
    assert found["986"]["regionCode"] == ""
    assert all(found[code]["establishments"] == found[code]["professionals"] == "1"
               for code in found)
    assert found["986"]["organisationalMailboxes"] == "1"
    assert found["971"]["organisationalMailboxes"] == "0"


def test_what_lies_outside_the_regions(store: str) -> None:
    found = {(r["recordClass"].rsplit("/", 1)[-1], r["departmentCode"]): r["records"]
             for r in rows(answer(store, "outside-regions", iris=True))}
    assert found[("ProfessionalActivity", "")] == "2"
    assert found[("ProfessionalActivity", "986")] == "1"
    assert found[("HealthProfessional", "")] == "1"
    assert found[("MssanteMailbox", "")] == "1"


def test_the_store_counts_the_links_to_the_nos_as_python_does(store: str) -> None:
    """The VoID link sets a store keeps (counted by its engine) are those counted in Python
    over the same triples: statements pointing to NOS concepts, less those the schemes make
    themselves (a scheme naming its top concepts)."""
    from rdflib import URIRef
    from rdflib.namespace import SKOS

    from segur_kg.publishing.counts import VOID, link_counts, nos_schemes
    from segur_kg.stores import open_store

    with open_store(store) as opened:
        counts = opened.counts()
        graph = opened.graph()
    kept = {}
    for linkset in counts.subjects(URIRef(VOID + "linkPredicate"), None):
        [target] = [o for o in counts.objects(linkset, URIRef(VOID + "objectsTarget"))]
        [predicate] = list(counts.objects(linkset, URIRef(VOID + "linkPredicate")))
        [triples] = list(counts.objects(linkset, URIRef(VOID + "triples")))
        kept[(target, predicate)] = int(triples)
    schemes = nos_schemes()
    assert link_counts(graph, schemes) == kept
    members = {concept for scheme in schemes for concept in graph.subjects(SKOS.inScheme, scheme)}
    assert any(o in members for scheme in schemes for o in graph.objects(scheme, None))
    profession = URIRef("https://w3id.org/segur/def/hasProfession")
    assert any(predicate == profession and n > 5 for (_, predicate), n in kept.items())
