"""`segur-kg import finess|rpps|mssante` on the hand-made fixtures (tests/fixtures/registries/,
whose README says what each line holds): what reaches the graph, what is kept out (privacy),
what is counted, bad input, and the named graphs of an Oxigraph store."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rdflib import Dataset, Graph, Literal, URIRef

from segur_kg.cli import main
from segur_kg.sources.registries.synthetic import zip_file
from segur_kg.stores.base import FIGURES_GRAPH, LEGACY_UNION_GRAPH, SOURCE_GRAPHS

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "registries"
FINESS, FINESS_UTF8 = FIXTURES / "finess-etalab.csv", FIXTURES / "finess-etalab-utf8.csv"
RPPS, MSSANTE = FIXTURES / "rpps.txt", FIXTURES / "mssante.txt"
ID = "https://w3id.org/segur/id/"
SEGUR = "https://w3id.org/segur/def/"
VOID = "http://rdfs.org/ns/void#"
DCTERMS = "http://purl.org/dc/terms/"
SPATIAL = URIRef("http://purl.org/dc/terms/spatial")
LABEL = URIRef("http://www.w3.org/2000/01/rdf-schema#label")
REGION = "https://mos.esante.gouv.fr/NOS/TRE_R30-RegionOM/FHIR/TRE-R30-RegionOM/"
CATEGORY = ("https://mos.esante.gouv.fr/NOS/TRE_R66-CategorieEtablissement/FHIR/"
            "TRE-R66-CategorieEtablissement/")


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(list(args))
    return code, capsys.readouterr().err


def imported(capsys, tmp_path: Path, registry: str, source: Path, *options: str,
             name: str = "out.nt") -> tuple[Graph, str, bytes]:
    output = tmp_path / name
    code, err = run(capsys, "import", registry, str(source), "-o", str(output), *options)
    assert code == 0, err
    data = output.read_bytes()
    graph = Graph()
    graph.parse(data=data, format="nt")
    return graph, err, data


def et(number: str) -> URIRef:
    return URIRef(f"{ID}finess/et/{number}")


def seg(name: str) -> URIRef:
    return URIRef(SEGUR + name)


# --- FINESS --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def finess_nt(tmp_path_factory) -> tuple[Graph, bytes]:
    output = tmp_path_factory.mktemp("finess") / "out.nt"
    assert main(["import", "finess", str(FINESS), "-o", str(output)]) == 0
    data = output.read_bytes()
    return Graph().parse(data=data, format="nt"), data


def test_finess_establishment_with_its_category_place_and_legal_entity(finess_nt) -> None:
    graph, _ = finess_nt
    ch = et("010000024")
    assert (ch, seg("finessNumber"), Literal("010000024")) in graph
    assert (ch, seg("establishmentCategory"), URIRef(CATEGORY + "355")) in graph
    assert (ch, SPATIAL, URIRef(REGION + "84")) in graph  # Ain → Auvergne-Rhône-Alpes
    assert (ch, seg("legalEntity"), URIRef(f"{ID}finess/ej/010780054")) in graph
    # Two sites of one legal entity: the entity is written once, both point to it.
    entity = URIRef(f"{ID}finess/ej/690999900")
    assert set(graph.subjects(seg("legalEntity"), entity)) == {et("690999901"), et("690999902")}
    assert len(set(graph.triples((entity, None, None)))) == 3


def test_finess_reads_latin1_and_csv_quoting(finess_nt) -> None:
    graph, _ = finess_nt
    assert (et("750999905"), LABEL, Literal("PHARMACIE FICTIVE DE L'ÉGLISE", lang="fr")) in graph
    assert (et("290999903"), LABEL,
            Literal('EHPAD "LES HORTENSIAS"; SITE FICTIF DE L\'ÎLE', lang="fr")) in graph


def test_finess_overseas_codes_and_territories_outside_the_regions(finess_nt) -> None:
    graph, _ = finess_nt
    assert (et("970199909"), SPATIAL, URIRef(REGION + "01")) in graph  # 9A, Saint-Barthélemy
    assert (et("970499911"), SPATIAL, URIRef(REGION + "04")) in graph  # 9D, La Réunion
    wallis = et("980699913")
    assert (wallis, seg("inDepartment"), None) in graph
    assert (wallis, SPATIAL, None) not in graph


def test_finess_summary_counts_what_it_skipped(tmp_path, capsys) -> None:
    _, err, _ = imported(capsys, tmp_path, "finess", FINESS)
    assert "13 establishments" in err and "12 legal entities" in err
    assert "finess-etalab.csv:15: a structureet line has 20 fields, expected 32" in err
    assert "unknown codes in 'categetab': 1 (e.g. '999')" in err
    assert "unknown codes in 'departement': 1 (e.g. '9Z')" in err
    assert "establishments outside the 18 regions (département 9J): 1" in err


def test_finess_two_extracts_together_write_each_establishment_once(tmp_path, capsys,
                                                                   finess_nt) -> None:
    """Two extracts that share establishments (here the same one under another name): the
    first line of each establishment is kept, the others skipped and counted; the triples are
    those of one extract, none written twice."""
    copy = tmp_path / "etalab-cs1100507-stock-20261101-0000.csv"
    copy.write_bytes(FINESS.read_bytes())
    output = tmp_path / "both.nt"
    code, err = run(capsys, "import", "finess", str(FINESS), str(copy), "-o", str(output))
    assert code == 0, err
    lines = output.read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(set(lines)), "a triple written twice"
    assert "13 establishments" in err and "skipped: 13 establishment already read" in err
    once, _ = finess_nt
    graph = Graph()
    graph.parse(output, format="nt")
    provenance = URIRef(f"{ID}dataset/finess")
    assert ({t for t in graph if t[0] != provenance}
            == {t for t in once if t[0] != provenance})


def test_finess_provenance_and_same_bytes_twice(tmp_path, capsys, finess_nt) -> None:
    graph, first = finess_nt
    dataset = URIRef(f"{ID}dataset/finess")
    assert (dataset, seg("fileName"), Literal("finess-etalab.csv")) in graph
    issued = graph.value(dataset, URIRef("http://purl.org/dc/terms/issued"))
    assert str(issued) == "2026-11-01"
    assert (URIRef(f"{ID}dataset/segur-kg"), URIRef("http://rdfs.org/ns/void#subset"),
            dataset) in graph
    _, _, again = imported(capsys, tmp_path, "finess", FINESS)
    assert again == first


@pytest.mark.parametrize(("registry", "source"), [("finess", FINESS), ("rpps", RPPS),
                                                  ("mssante", MSSANTE)])
def test_the_triples_counted_are_those_of_the_graph(tmp_path, capsys, registry, source) -> None:
    """The summary's "triples written" and the dataset's void:triples both count every triple
    of the registry's graph, its description included."""
    output = tmp_path / "out.nq"
    code, err = run(capsys, "import", registry, str(source), "-o", str(output))
    assert code == 0, err
    dataset = Dataset()
    dataset.parse(data=output.read_bytes(), format="nquads")
    graph = dataset.graph(URIRef(f"https://w3id.org/segur/graph/source/{registry}"))
    stated = graph.value(URIRef(f"{ID}dataset/{registry}"), URIRef(VOID + "triples"))
    assert int(stated) == len(graph) > 0
    assert f", {len(graph):,} triples written" in err


def test_the_summary_gives_the_extract_date_or_where_it_comes_from(tmp_path, capsys) -> None:
    _, err, _ = imported(capsys, tmp_path, "finess", FINESS)
    assert "  extract date: 2026-11-01\n" in err  # from the comment line
    _, err, _ = imported(capsys, tmp_path, "rpps", RPPS)
    assert ("  extract date: unknown (the file's name as downloaded gives it: "
            "..._YYYYMMDDhhmm.txt)") in err
    dated = tmp_path / "PS_LibreAcces_Personne_activite_202610150930.txt"
    dated.write_bytes(RPPS.read_bytes())
    graph, err, _ = imported(capsys, tmp_path, "rpps", dated)
    assert "  extract date: 2026-10-15\n" in err
    assert str(graph.value(URIRef(f"{ID}dataset/rpps"), URIRef(DCTERMS + "issued"))) == (
        "2026-10-15")


def test_a_corsican_postal_code_is_noted_not_counted_as_an_unknown_code(tmp_path,
                                                                         capsys) -> None:
    """With no département, a postal code 20xxx is Corse-du-Sud (2A) or Haute-Corse (2B): the
    activity is left without one and noted, not reported as an unknown code."""
    activities = tmp_path / "activities.txt"
    assert main(["synth", "--format", "rpps", "--rows", "5000", "--finess-rows", "1000",
                 "--seed", "1", "-o", str(activities)]) == 0
    lines = activities.read_text(encoding="utf-8").splitlines()
    header = lines[0].split("|")
    department = header.index("Code Département (structure)")
    postal = header.index("Code postal (coord. structure)")
    corsican = [line for line in lines[1:] if not line.split("|")[department]
                and line.split("|")[postal].startswith("20")]
    assert corsican  # the seed gives some
    _, err, _ = imported(capsys, tmp_path, "rpps", activities)
    assert ("activities without a département whose Corsican postal code (20xxx) does not "
            f"tell 2A from 2B: {len(corsican)}") in err
    assert "(postal code 20" not in err


def test_finess_in_utf8_reads_the_same_labels(tmp_path, capsys, finess_nt) -> None:
    graph, _, _ = imported(capsys, tmp_path, "finess", FINESS_UTF8)
    latin1, _ = finess_nt
    for number in ("690999901", "290999903"):
        assert set(graph.objects(et(number), LABEL)) == set(latin1.objects(et(number), LABEL))


# --- Annuaire Santé and MSSanté: privacy by default ------------------------------------------


def _literals(graph: Graph) -> set[str]:
    return {str(o) for o in graph.objects() if isinstance(o, Literal)}


def test_rpps_keeps_no_name_phone_or_email_by_default(tmp_path, capsys) -> None:
    graph, err, data = imported(capsys, tmp_path, "rpps", RPPS)
    text = data.decode()
    for personal in ("FICTIFNOM", "Prénomfictif", "example.invalid", '"0199'):
        assert personal not in text
    person = URIRef(f"{ID}professional/819900000001")
    assert (person, seg("practisesAt"), et("690999901")) in graph
    assert len(set(graph.objects(person, seg("hasActivity")))) == 2
    assert "19 activities, 12 professionals" in err
    assert "unknown codes in 'Code profession': 1 (e.g. '99')" in err
    assert "rpps.txt:21:" in err


def test_rpps_names_only_when_asked(tmp_path, capsys) -> None:
    graph, _, data = imported(capsys, tmp_path, "rpps", RPPS, "--include-personal-data")
    person = URIRef(f"{ID}professional/819900000001")
    assert str(graph.value(person, URIRef("http://xmlns.com/foaf/0.1/familyName"))) == "FICTIFNOM1"
    text = data.decode()
    assert "example.invalid" not in text and '"0199' not in text  # never phones or e-mails


def test_rpps_writes_no_triple_twice(tmp_path, capsys) -> None:
    """A line repeating an activity, a second activity at the same site, a profession that
    comes back after another, and the same activity read at other places (in a second file,
    one of them a département of the same region, one unknown): each triple is written once,
    the repeated line counted apart, and void:triples is the number of triples of the graph."""
    header, first, *rest = RPPS.read_text(encoding="utf-8").splitlines()
    columns = header.split("|")

    def changed(line: str, **values: str) -> str:
        fields = line.split("|")
        for column, value in values.items():
            fields[columns.index(column)] = value
        return "|".join(fields)

    assert "|69|" in first  # the first activity is in Rhône (region 84)
    extra = [first,  # the same activity again
             changed(first, **{"Code mode exercice": "L"}),  # same site, another activity
             changed(first, **{"Code profession": "21", "Numéro FINESS site": ""}),
             changed(first, **{"Code secteur d'activité": "SA09"})]  # profession 10 again
    elsewhere = [changed(first, **{"Code Département (structure)": "971"}),
                 changed(first, **{"Code Département (structure)": "01"}),  # region 84 again
                 changed(first, **{"Code Département (structure)": "ZZ"})]
    source = tmp_path / "PS_LibreAcces_Personne_activite_202611010000.txt"
    source.write_text("\n".join([header, first, *rest, *extra]) + "\n", encoding="utf-8")
    second = tmp_path / "PS_LibreAcces_Personne_activite_202611020000.txt"
    second.write_text("\n".join([header, *elsewhere]) + "\n", encoding="utf-8")
    quads = tmp_path / "out.nq"
    code, err = run(capsys, "import", "rpps", str(source), str(second), "-o", str(quads))
    assert code == 0, err
    lines = quads.read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(set(lines)), "a triple written twice"
    dataset = Dataset()
    dataset.parse(quads, format="nquads")
    graph = dataset.graph(URIRef("https://w3id.org/segur/graph/source/rpps"))
    person = URIRef(f"{ID}professional/819900000001")
    assert len(set(graph.objects(person, seg("hasActivity")))) == 2 + 3
    assert len(list(graph.triples((person, seg("practisesAt"), et("690999901"))))) == 1
    assert "22 activities, 12 professionals" in err
    assert "skipped: 1 activity already read on an earlier line" in err
    assert "lines giving an activity already read another place: 3" in err
    assert "unknown codes in 'Code Département (structure)': 2 " in err  # ZZ and the fixture's
    activities = [o for o in graph.objects(person, seg("hasActivity"))
                  if (o, seg("inDepartment"), None) in graph]
    departments = {str(o).rsplit("/", 1)[1] for a in activities
                   for o in graph.objects(a, seg("inDepartment"))}
    assert {"69", "971", "01"} <= departments
    stated = graph.value(URIRef(f"{ID}dataset/rpps"), URIRef("http://rdfs.org/ns/void#triples"))
    assert int(stated) == len(graph)


def test_mssante_personal_addresses_only_when_asked(tmp_path, capsys) -> None:
    graph, err, _ = imported(capsys, tmp_path, "mssante", MSSANTE)
    addresses = set(graph.objects(None, seg("mailboxAddress")))
    kinds = {m: graph.value(m, seg("hasMailboxKind")) for m in graph.subjects(
        seg("hasMailboxKind"), None)}
    personal = URIRef(f"{ID}mailbox-kind/personnelle")
    assert addresses and all(kinds[m] != personal
                             for m in graph.subjects(seg("mailboxAddress"), None))
    holder = URIRef(f"{ID}professional/819900000001")
    assert len(set(graph.subjects(seg("mailboxHolder"), holder))) == 2
    assert "1 address already read on an earlier line" in err
    asked, _, _ = imported(capsys, tmp_path, "mssante", MSSANTE, "--include-personal-data",
                           name="personal.nt")
    assert len(set(asked.objects(None, seg("mailboxAddress")))) > len(addresses)


def test_zip_archive_as_delivered_gives_the_same_triples(tmp_path, capsys) -> None:
    archive = zip_file(RPPS, tmp_path / "extract.zip",
                       "PS_LibreAcces_Personne_activite_202611010000.txt")
    zipped, _, zipped_bytes = imported(capsys, tmp_path, "rpps", archive, name="zip.nt")
    _, _, text_bytes = imported(capsys, tmp_path, "rpps", RPPS, name="text.nt")
    body = [line for line in zipped_bytes.splitlines() if b"/dataset/rpps>" not in line[:60]]
    assert body == [line for line in text_bytes.splitlines()
                    if b"/dataset/rpps>" not in line[:60]]
    issued = zipped.value(URIRef(f"{ID}dataset/rpps"), URIRef("http://purl.org/dc/terms/issued"))
    assert str(issued) == "2026-11-01"  # from the member's name


# --- bad input ----------------------------------------------------------------------------


@pytest.mark.parametrize(("registry", "source", "said"), [
    ("finess", RPPS, "a file for `segur-kg import rpps`"),
    ("rpps", FINESS, "a file for `segur-kg import finess`"),
    ("rpps", MSSANTE, "a file for `segur-kg import mssante`"),
])
def test_a_file_of_another_registry_stops_at_once(tmp_path, capsys, registry, source,
                                                  said) -> None:
    output = tmp_path / "out.nt"
    output.write_text("before\n")
    code, err = run(capsys, "import", registry, str(source), "-o", str(output))
    assert code == 2 and said in err and "Traceback" not in err
    assert output.read_text() == "before\n"  # nothing half-written


def test_an_unreadable_csv_line_is_reported_and_the_next_lines_read(tmp_path, capsys) -> None:
    """A carriage return alone inside an unquoted FINESS field is no CSV the reader can split:
    that line is reported malformed with its number, the import goes on with the next one;
    --strict stops there."""
    lines = FINESS.read_bytes().split(b"\n")
    broken = next(i for i, line in enumerate(lines) if line.startswith(b"structureet;"))
    fields = lines[broken].split(b";")
    fields[3] = fields[3][:3] + b"\r" + fields[3][3:]  # inside the short name, unquoted
    lines[broken] = b";".join(fields)
    source = tmp_path / "etalab-cs1100507-stock.csv"
    source.write_bytes(b"\n".join(lines))
    graph, err, _ = imported(capsys, tmp_path, "finess", source)
    assert f"etalab-cs1100507-stock.csv:{broken + 1}: unreadable CSV" in err
    assert "Traceback" not in err
    number = fields[1].decode()
    assert (et(number), None, None) not in graph
    following = lines[broken + 1].split(b";")[1].decode()
    assert (et(following), LABEL, None) in graph
    assert "12 establishments" in err  # the fixture's 13 but the broken one
    code, err = run(capsys, "import", "finess", str(source), "-o", str(tmp_path / "s.nt"),
                    "--strict")
    assert code == 2 and f":{broken + 1}: unreadable CSV" in err and "Traceback" not in err


@pytest.mark.parametrize(("registry", "source", "said"), [
    ("rpps", RPPS, "expected {} (fields separated by '|', each line ending with '|')"),
    ("mssante", MSSANTE, "expected {} (fields separated by '|')"),
])
def test_a_line_of_the_wrong_width_names_the_expected_columns(tmp_path, capsys, registry,
                                                               source, said) -> None:
    header, *rows = source.read_text(encoding="utf-8").split("\n")
    columns = len(header.split("|")) - header.endswith("|")
    short = "|".join(rows[0].split("|")[:5])
    # one column too many, beyond the columns read: only the separators tell
    wide = rows[0] + ("extra|" if rows[0].endswith("|") else "|extra")
    changed = tmp_path / source.name
    changed.write_text("\n".join([header, *rows, short, wide, ""]), encoding="utf-8")
    _, err, _ = imported(capsys, tmp_path, registry, changed)
    assert f"{source.name}:{len(rows) + 2}: 5 columns, {said.format(columns)}" in err
    assert (f"{source.name}:{len(rows) + 3}: {columns + 1} columns, {said.format(columns)}"
            in err)


def test_strict_stops_at_the_first_malformed_line(tmp_path, capsys) -> None:
    output = tmp_path / "out.nt"
    code, err = run(capsys, "import", "finess", str(FINESS), "-o", str(output), "--strict")
    assert code == 2 and "finess-etalab.csv:15:" in err and "--strict" in err
    assert not output.exists()


def test_bad_arguments_are_one_line_errors(tmp_path, capsys) -> None:
    code, err = run(capsys, "import", "finess", str(FINESS), "-o", str(tmp_path / "out.ttl"))
    assert code == 2 and ".nt" in err
    code, err = run(capsys, "import", "finess", str(tmp_path / "missing.csv"), "-o",
                    str(tmp_path / "out.nt"))
    assert code == 2 and "no such file" in err
    code, err = run(capsys, "import", "finess", str(FINESS), "--store", "memory")
    assert code == 2 and "oxigraph:PATH" in err
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    code, err = run(capsys, "import", "mssante", str(empty), "-o", str(tmp_path / "out.nt"))
    assert code == 2 and "empty" in err
    # The same file twice, under two names: refused before anything is read or written.
    code, err = run(capsys, "import", "auto", str(FINESS), str(RPPS),
                    str(FINESS.parent / ".." / FINESS.parent.name / FINESS.name),
                    "-o", str(tmp_path / "twice.nt"))
    assert code == 2 and "given twice" in err and "Traceback" not in err
    assert not (tmp_path / "twice.nt").exists()


# --- into an Oxigraph store -------------------------------------------------------------------


def _count(store: str, sparql: str, capsys) -> int:
    capsys.readouterr()
    assert main(["query", "--store", store, "--sparql", sparql, "--format", "csv"]) == 0
    return int(capsys.readouterr().out.splitlines()[1])


ESTABLISHMENTS = "SELECT (COUNT(*) AS ?n) WHERE { ?e a segur:HealthEstablishment }"
PROFESSIONALS = "SELECT (COUNT(*) AS ?n) WHERE { ?p a segur:HealthProfessional }"
CATEGORISED = ("SELECT (COUNT(DISTINCT ?e) AS ?n) WHERE { ?e a segur:HealthEstablishment ; "
               "segur:establishmentCategory ?c }")
FIGURED = ("SELECT (SUM(?c) AS ?n) WHERE { ?f <http://purl.org/linked-data/cube#dataSet> "
           "<https://w3id.org/segur/id/figures/establishments> ; segur:establishmentCount ?c }")


def test_store_import_replaces_only_its_own_graph(tmp_path, capsys) -> None:
    store = f"oxigraph:{tmp_path / 'store'}"
    assert main(["load", "--store", store]) == 0
    base = _count(store, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", capsys)
    for registry, source in (("finess", FINESS), ("rpps", RPPS)):
        assert main(["import", registry, str(source), "--store", store]) == 0
    assert _count(store, ESTABLISHMENTS, capsys) == 13
    assert _count(store, PROFESSIONALS, capsys) == 12
    # A newer extract (the UTF-8 one holds 4 establishments) replaces the FINESS graph only.
    assert main(["import", "finess", str(FINESS_UTF8), "--store", store]) == 0
    assert _count(store, ESTABLISHMENTS, capsys) == 4
    assert _count(store, PROFESSIONALS, capsys) == 12
    # The figures are those of the new extract.
    assert _count(store, FIGURED, capsys) == _count(store, CATEGORISED, capsys) == 4
    names = _count(store, "SELECT (COUNT(*) AS ?n) WHERE { ?d segur:fileName ?f }", capsys)
    assert names == 2  # one file per import, the old FINESS one gone
    # A failed import changes nothing; the base graph is still there.
    capsys.readouterr()
    assert main(["import", "finess", str(RPPS), "--store", store]) == 2
    assert _count(store, ESTABLISHMENTS, capsys) == 4
    total = _count(store, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", capsys)
    assert total > base
    # Queries read the default graph, the registry graphs and the figures derived from them,
    # each triple once; the store keeps no merged copy of them.
    from pyoxigraph import DefaultGraph, NamedNode
    from pyoxigraph import Store as Oxigraph

    engine = Oxigraph.read_only(str(tmp_path / "store"))
    sources = [g for g in engine.named_graphs() if g.value.startswith(SOURCE_GRAPHS)]
    assert {g.value.rsplit("/", 1)[-1] for g in sources} == {"finess", "rpps", "reference"}
    assert NamedNode(LEGACY_UNION_GRAPH) not in set(engine.named_graphs())
    sources.append(NamedNode(FIGURES_GRAPH))
    merged = {(q.subject, q.predicate, q.object) for graph in (DefaultGraph(), *sources)
              for q in engine.quads_for_pattern(None, None, None, graph)}
    assert total == len(merged)
    del engine
    # The VoID description names each registry, its files and its extract date.
    described = tmp_path / "void.ttl"
    assert main(["describe", "--store", store, "-o", str(described)]) == 0
    void = Graph().parse(described)
    base_dataset, subset = URIRef(ID + "dataset/segur-kg"), URIRef(VOID + "subset")
    for registry in ("finess", "rpps"):
        assert (base_dataset, subset, URIRef(ID + "dataset/" + registry)) in void
    # FINESS's comment line dates the extract; rpps.txt has no date in its name.
    assert str(void.value(URIRef(ID + "dataset/finess"), URIRef(DCTERMS + "issued"))) == (
        "2026-11-01")
    assert void.value(URIRef(ID + "dataset/rpps"), URIRef(DCTERMS + "issued")) is None
    assert {str(name) for name in void.objects(URIRef(ID + "dataset/finess"),
                                               URIRef(SEGUR + "fileName"))} == {
        FINESS_UTF8.name}
    # The export reads the imported graphs with the default graph, in the same bytes twice.
    first, second = tmp_path / "a.nt", tmp_path / "b.nt"
    for output in (first, second):
        assert main(["export", "--store", store, "--format", "nt", "-o", str(output)]) == 0
    assert first.read_bytes() == second.read_bytes()
    assert first.read_bytes().count(b"\n") >= total  # and the dataset's own description
    assert b"/finess/et/690999901>" in first.read_bytes()


def test_nq_output_keeps_each_graph(tmp_path, capsys) -> None:
    output = tmp_path / "out.nq"
    code, err = run(capsys, "import", "mssante", str(MSSANTE), "-o", str(output))
    assert code == 0, err
    dataset = Dataset()
    dataset.parse(output, format="nquads")
    graphs = {str(g.identifier) for g in dataset.graphs() if len(g)}
    assert {"https://w3id.org/segur/graph/source/mssante",
            "https://w3id.org/segur/graph/source/reference"} <= graphs


def test_auto_recognises_each_file_and_imports_them_in_one_go(tmp_path, capsys) -> None:
    together = tmp_path / "all.nq"
    code, err = run(capsys, "import", "auto", str(MSSANTE), str(FINESS), str(RPPS),
                    "-o", str(together))
    assert code == 0, err
    assert err.index("finess:") < err.index("rpps:") < err.index("mssante:")
    separate: set[bytes] = set()
    for registry, source in (("finess", FINESS), ("rpps", RPPS), ("mssante", MSSANTE)):
        output = tmp_path / f"{registry}.nq"
        assert run(capsys, "import", registry, str(source), "-o", str(output))[0] == 0
        separate |= set(output.read_bytes().splitlines())
    lines = together.read_bytes().splitlines()
    assert len(lines) == len(set(lines)) and set(lines) == separate
    # A file of no registry stops the import before anything is written.
    refused = tmp_path / "refused.nq"
    code, err = run(capsys, "import", "auto", str(FINESS), str(FIXTURES / "README.md"),
                    "-o", str(refused))
    assert code == 2 and "README.md: not a file of FINESS" in err and "Traceback" not in err
    assert not refused.exists()


def test_a_store_import_stopped_by_a_later_file_leaves_the_store_as_it_was(
        tmp_path, capsys) -> None:
    """The store loads each file while the next is written: when writing the second file
    stops (--strict, a malformed RPPS line), the first, already loading, goes with the rest."""
    store = f"oxigraph:{tmp_path / 'store'}"
    assert main(["load", "--store", store]) == 0
    assert main(["import", "mssante", str(MSSANTE), "--store", store]) == 0
    before = tmp_path / "before.nt"
    assert main(["export", "--store", store, "--format", "nt", "-o", str(before)]) == 0
    capsys.readouterr()
    code = main(["import", "auto", str(FINESS_UTF8), str(RPPS), "--store", store, "--strict"])
    err = capsys.readouterr().err
    assert code == 2 and "rpps.txt:21:" in err and "Traceback" not in err
    after = tmp_path / "after.nt"
    assert main(["export", "--store", store, "--format", "nt", "-o", str(after)]) == 0
    assert after.read_bytes() == before.read_bytes()
    assert not list(tmp_path.glob(".store.loading-*"))
    # Without --strict the same files go in, each in its graph, the MSSanté graph kept.
    assert main(["import", "auto", str(FINESS_UTF8), str(RPPS), "--store", store]) == 0
    assert _count(store, ESTABLISHMENTS, capsys) == 4
    assert _count(store, PROFESSIONALS, capsys) == 12
    assert _count(store, "SELECT (COUNT(*) AS ?n) WHERE { ?m a segur:MssanteMailbox }",
                  capsys) > 0


# --- reading and writing the files ------------------------------------------------------------


def test_a_byte_order_mark_and_a_stray_byte_do_not_change_the_triples(tmp_path, capsys) -> None:
    """The RPPS fixture with a UTF-8 byte order mark, CRLF line breaks, its lines repeated past
    the megabyte the encoding is decided on, then a new professional's line with a stray byte
    (an ISO-8859-1 'é' after a UTF-8 'é') in the name: the fixture's triples unchanged, the
    stray byte read as its Latin-1 character, the rest of its line still read as UTF-8."""
    header, *rows = [line for line in RPPS.read_bytes().split(b"\n") if line]
    columns = header.decode().split("|")
    fields = rows[0].split(b"|")
    fields[columns.index("Nom d'exercice")] = "Béa".encode() + b"\xe9"
    fields[columns.index("Identification nationale PP")] = b"899999999999"  # a new person
    body = b"\r\n".join(rows) + b"\r\n"
    marked = tmp_path / "PS_LibreAcces_Personne_activite_202611010000.txt"
    marked.write_bytes(b"\xef\xbb\xbf" + header + b"\r\n" + body * (2**20 // len(body) + 1)
                       + b"|".join(fields) + b"\r\n")
    plain, _, _ = imported(capsys, tmp_path, "rpps", RPPS, name="plain.nt")
    graph, _, _ = imported(capsys, tmp_path, "rpps", marked, name="marked.nt")
    provenance = URIRef(f"{ID}dataset/rpps")
    newcomer = f"{ID}professional/899999999999"
    assert ({t for t in graph if t[0] != provenance and not t[0].startswith(newcomer)}
            == {t for t in plain if t[0] != provenance})
    named, _, _ = imported(capsys, tmp_path, "rpps", marked, "--include-personal-data",
                           name="named.nt")
    family_name = URIRef("http://xmlns.com/foaf/0.1/familyName")
    assert Literal("Béaé") in set(named.objects(None, family_name))


def test_an_output_file_is_synced_as_it_is_written(tmp_path, capsys, monkeypatch) -> None:
    """The user's output file goes to disk as the import goes on (every SYNC_EVERY bytes),
    so that the sync before its rename has little left to write; the same bytes result."""
    import os

    from segur_kg.sources.registries import importing

    _, _, data = imported(capsys, tmp_path, "rpps", RPPS, name="plain.nt")
    synced: list[int] = []
    real = os.fdatasync

    def counted(fd: int) -> None:
        synced.append(fd)
        real(fd)

    monkeypatch.setattr(os, "fdatasync", counted)
    monkeypatch.setattr(importing, "SYNC_EVERY", 1024)
    monkeypatch.setattr(importing, "BATCH", 2)
    _, _, again = imported(capsys, tmp_path, "rpps", RPPS, name="synced.nt")
    assert len(synced) >= 2 and again == data


def test_a_failed_write_stops_the_import_and_says_why(tmp_path, monkeypatch) -> None:
    """The writes happen in a second thread: their failure reaches the import, which stops
    and names the output, not the file being read (small batches: the failure arrives while
    the input is still open)."""
    from segur_kg.sources.registries import importing
    from segur_kg.sources.registries.report import ImportReport

    class Full:
        written = 0

        def write(self, data: bytes) -> int:
            if self.written:
                raise OSError(28, "No space left on device")
            self.written += len(data)
            return len(data)

    from segur_kg.common.errors import SegurKgError

    monkeypatch.setattr(importing, "BATCH", 2)
    with pytest.raises(SegurKgError, match="cannot write the import's output .*No space left"):
        importing._write(importing.KINDS["rpps"], [RPPS], ImportReport("rpps"), False,
                         Full(), quads=False)  # type: ignore[arg-type]


# --- bad input that stops the import ----------------------------------------------------------


def test_outputs_that_cannot_be_written_are_one_line_errors(tmp_path, capsys) -> None:
    """A missing folder, an output that is one of the inputs, a file size limit reached while
    writing: exit 2, no traceback, the inputs and the place of the output as they were."""
    import resource
    import subprocess
    import sys

    code, err = run(capsys, "import", "rpps", str(RPPS), "-o", str(tmp_path / "no" / "x.nt"))
    assert code == 2 and "the folder" in err and "does not exist" in err
    same = tmp_path / "same.nt"
    same.write_bytes(RPPS.read_bytes())
    code, err = run(capsys, "import", "rpps", str(same), "-o", str(same))
    assert code == 2 and "is one of the files to import" in err
    assert same.read_bytes() == RPPS.read_bytes()
    limited = tmp_path / "limited.nt"

    def small_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))

    done = subprocess.run([sys.executable, "-m", "segur_kg", "import", "rpps", str(RPPS),
                           "-o", str(limited)], capture_output=True, text=True,
                          preexec_fn=small_files, timeout=120, check=False)
    assert done.returncode == 2, done.stderr
    assert "cannot write the import (File too large)" in done.stderr
    assert "Traceback" not in done.stderr
    assert [path.name for path in tmp_path.iterdir()] == ["same.nt"]


def test_inputs_that_cannot_be_read_are_one_line_errors(tmp_path, capsys) -> None:
    """A folder, an archive member the zipfile module cannot open (here: declared as
    Deflate64), a file whose lines end with a lone CR, a file with no importable record:
    each stops the import with a one-line error, and nothing is written."""
    output = tmp_path / "out.nt"
    code, err = run(capsys, "import", "rpps", str(tmp_path), "-o", str(output))
    assert code == 2 and "is a folder" in err
    archive = zip_file(RPPS, tmp_path / "PS_LibreAcces_Personne_activite.zip",
                       "PS_LibreAcces_Personne_activite_202611010930.txt")
    data = bytearray(archive.read_bytes())
    data[8:10] = (9).to_bytes(2, "little")  # the local header's compression method
    central = data.rfind(b"PK\x01\x02")
    data[central + 10:central + 12] = (9).to_bytes(2, "little")
    archive.write_bytes(bytes(data))
    code, err = run(capsys, "import", "rpps", str(archive), "-o", str(output))
    assert code == 2 and "cannot open PS_LibreAcces_Personne_activite_202611010930.txt" in err
    assert "unzip it with another tool" in err and "Traceback" not in err
    carriage = tmp_path / "carriage.txt"
    carriage.write_bytes(RPPS.read_bytes().replace(b"\n", b"\r"))
    code, err = run(capsys, "import", "rpps", str(carriage), "-o", str(output))
    assert code == 2 and "carriage.txt:1: the lines end with a carriage return alone" in err
    header_only = tmp_path / "header.txt"
    header_only.write_bytes(RPPS.read_bytes().split(b"\n")[0] + b"\n")
    code, err = run(capsys, "import", "rpps", str(header_only), "-o", str(output))
    assert code == 2 and "header.txt: no record could be imported (0 lines read" in err
    wider = tmp_path / "wider.txt"
    lines = RPPS.read_bytes().split(b"\n")
    wider.write_bytes(b"\n".join([lines[0] + b"|Extra", *lines[1:]]))
    code, err = run(capsys, "import", "rpps", str(wider), "-o", str(output))
    assert code == 2 and "no record could be imported" in err and "columns, expected" in err
    assert not output.exists()


def test_a_store_keeps_its_registry_when_the_new_file_has_no_record(tmp_path, capsys) -> None:
    store = f"oxigraph:{tmp_path / 'store'}"
    assert main(["load", "--store", store]) == 0
    assert main(["import", "rpps", str(RPPS), "--store", store]) == 0
    before = _count(store, PROFESSIONALS, capsys)
    header_only = tmp_path / "header.txt"
    header_only.write_bytes(RPPS.read_bytes().split(b"\n")[0] + b"\n")
    code, err = run(capsys, "import", "rpps", str(header_only), "--store", store)
    assert code == 2 and "no record could be imported" in err
    assert _count(store, PROFESSIONALS, capsys) == before > 0


def test_dates_that_are_no_day_of_the_calendar_are_counted_not_written(tmp_path,
                                                                        capsys) -> None:
    lines = FINESS.read_bytes().split(b"\n")
    number = next(i for i, line in enumerate(lines) if line.startswith(b"structureet;"))
    fields = lines[number].split(b";")
    from segur_kg.sources.registries.finess import FIELDS

    opening = list(FIELDS).index("dateouv")
    fields[opening] = b"2020-02-30"
    lines[number] = b";".join(fields)
    bad = tmp_path / "etalab-bad-date.csv"
    bad.write_bytes(b"\n".join(lines))
    graph, err, _ = imported(capsys, tmp_path, "finess", bad)
    assert "unknown codes in 'dateouv': 1 (e.g. '2020-02-30')" in err
    assert not any("2020-02-30" in str(o) for o in graph.objects())


def test_one_stray_byte_keeps_a_utf8_file_read_as_utf8(tmp_path, capsys, finess_nt) -> None:
    """A byte that is not UTF-8, early in a UTF-8 file: the file is still read as UTF-8 (the
    byte alone as its Latin-1 character), its labels unchanged."""
    lines = FINESS_UTF8.read_bytes().split(b"\n")
    lines[1] += b"\xe9"  # after the comment line's date field: a field no triple reads
    stray = tmp_path / "stray.csv"
    stray.write_bytes(b"\n".join(lines))
    graph, _, _ = imported(capsys, tmp_path, "finess", stray)
    utf8, _, _ = imported(capsys, tmp_path, "finess", FINESS_UTF8, name="utf8.nt")
    assert set(graph.objects(et("690999901"), LABEL)) == set(utf8.objects(et("690999901"), LABEL))
    assert "RÉGIONAL" in " ".join(str(o) for o in graph.objects(et("690999901"), LABEL))


def test_the_files_of_an_interrupted_import_go_with_the_next_opening(tmp_path, capsys) -> None:
    """An import's files wait next to the store, in a folder named for its process: if the
    process is killed, the store's next opening removes the folder."""
    import subprocess
    import sys

    store = tmp_path / "store"
    assert main(["load", "--store", f"oxigraph:{store}"]) == 0
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                           capture_output=True, text=True, check=True)
    left = tmp_path / f".store.files-{ended.stdout.strip()}"
    left.mkdir()
    (left / "rpps.nt").write_bytes(b"<a:b> <a:c> <a:d> .\n")
    ours = tmp_path / f".store.files-{__import__('os').getpid()}"
    ours.mkdir()  # a process that runs: left alone
    assert _count(f"oxigraph:{store}", PROFESSIONALS, capsys) == 0
    assert not left.exists() and ours.exists()


def test_a_quote_left_open_is_reported_at_its_first_line(tmp_path, capsys) -> None:
    """A FINESS field that opens a quote and never closes it takes the next lines into its
    record: the record is reported at the line it starts on, with the line it runs to."""
    synthetic = tmp_path / "etalab.csv"
    assert main(["synth", "--format", "finess", "--rows", "200", "--seed", "3",
                 "-o", str(synthetic)]) == 0
    lines = synthetic.read_bytes().split(b"\n")
    fields = lines[3].split(b";")
    fields[3] = b'"' + fields[3]
    lines[3] = b";".join(fields)
    quoted = tmp_path / "quoted.csv"
    quoted.write_bytes(b"\n".join(lines))
    _, err, _ = imported(capsys, tmp_path, "finess", quoted)
    found = re.search(r"quoted\.csv:4: a structureet line has \d+ fields, expected 32 \(its "
                      r"quoted text runs to line (\d+)\)", err)
    assert found and int(found.group(1)) > 4, err
