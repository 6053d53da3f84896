"""`segur-kg diff`: a semantic diff grouped by resource, with labels, in text and Markdown."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import assert_clean_error

ANS = "https://w3id.org/segur/id/actor/ans"
GRADES = "https://w3id.org/segur/id/actor/grades"
OLD_LABEL = 'rdfs:label "Agence du numérique en santé"@fr'
NEW_LABEL = 'rdfs:label "Agence nationale du numérique en santé"@fr'
REMOVED = "segur:legalForm legal:gip , legal:gcs ;"


@pytest.fixture
def two_data_folders(repo_root: Path, tmp_path: Path) -> tuple[Path, Path]:
    """data/ as it is, and a copy with one label changed, one triple added, one removed."""
    old = tmp_path / "old"
    new = tmp_path / "new"
    shutil.copytree(repo_root / "data", old)
    shutil.copytree(repo_root / "data", new)
    actors = new / "actors.ttl"
    text = actors.read_text(encoding="utf-8")
    assert text.count(OLD_LABEL) == 1 and text.count(REMOVED) == 1
    text = text.replace(OLD_LABEL, NEW_LABEL).replace(REMOVED, "segur:legalForm legal:gip ;")
    text += f"\n<{ANS}> <http://www.w3.org/2000/01/rdf-schema#seeAlso> <https://esante.gouv.fr/> .\n"
    actors.write_text(text, encoding="utf-8")
    return old, new


def test_text_diff_lists_exactly_the_three_changes_under_their_resources(
    run_cli, two_data_folders
) -> None:
    old, new = two_data_folders
    result = run_cli("diff", str(old), str(new))
    assert result.returncode == 1, result.stderr  # like diff(1): 1 means "they differ"
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"--- {old} (") and lines[1].startswith(f"+++ {new} (")
    assert lines[2] == "2 ressource(s) ; énoncés : 1 modifié, 1 retiré, 1 ajouté"
    assert lines[3:] == [
        "",
        f"Agence nationale du numérique en santé  <{ANS}>",
        '  ~ modifié  rdfs:label: "Agence du numérique en santé"@fr'
        ' → "Agence nationale du numérique en santé"@fr',
        "  + ajouté   rdfs:seeAlso: <https://esante.gouv.fr/>",
        "",
        f"Groupements régionaux d'appui au développement de l'e-santé  <{GRADES}>",
        "  - retiré   forme juridique (segur:legalForm): Groupement de coopération sanitaire "
        "(legal:gcs)",
    ]


def test_markdown_diff_in_english_has_one_section_per_resource(run_cli, two_data_folders) -> None:
    old, new = two_data_folders
    result = run_cli("diff", str(old), str(new), "--format", "md", "--lang", "en")
    assert result.returncode == 1, result.stderr
    text = result.stdout
    assert text.startswith("# Differences\n")
    assert "2 resource(s); statements: 1 changed, 1 removed, 1 added" in text
    sections = text.split("\n## ")[1:]
    assert [s.splitlines()[0] for s in sections] == [
        "French Digital Health Agency",
        "Regional groups supporting the development of e-health",
    ]
    ans, grades = sections
    assert f"<{ANS}>" in ans and f"<{GRADES}>" in grades
    assert [line for line in ans.splitlines() if line.startswith("- ")] == [
        '- **changed** rdfs:label: "Agence du numérique en santé"@fr'
        ' → "Agence nationale du numérique en santé"@fr',
        r"- **added** rdfs:seeAlso: \<https://esante.gouv.fr/\>",
    ]
    assert [line for line in grades.splitlines() if line.startswith("- ")] == [
        r"- **removed** legal form (segur:legalForm): Health cooperation group (legal:gcs)",
    ]


def test_diff_output_is_the_same_across_hash_seeds(run_cli, two_data_folders) -> None:
    old, new = two_data_folders
    first = run_cli("diff", str(old), str(new), "--format", "md", PYTHONHASHSEED="1")
    second = run_cli("diff", str(old), str(new), "--format", "md", PYTHONHASHSEED="31337")
    assert first.stdout == second.stdout


def test_identical_folders_have_no_differences(run_cli, repo_root: Path) -> None:
    result = run_cli("diff", str(repo_root / "data"), str(repo_root / "data"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "aucune différence"


def test_the_same_graph_in_two_formats_has_no_differences(run_cli, tmp_path: Path) -> None:
    for fmt in ("ttl", "nt"):
        assert run_cli("export", "--format", fmt, "-o", str(tmp_path / f"g.{fmt}")).returncode == 0
    result = run_cli("diff", str(tmp_path / "g.ttl"), str(tmp_path / "g.nt"), "--lang", "en")
    assert result.returncode == 0, result.stdout
    assert result.stdout.splitlines()[-1] == "no differences"


def test_blank_nodes_are_compared_by_content(run_cli, tmp_path: Path) -> None:
    head = "@prefix ex: <http://example.org/> .\n@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
    old = tmp_path / "old.ttl"
    same = tmp_path / "same.ttl"
    new = tmp_path / "new.ttl"
    old.write_text(head + 'ex:a rdfs:label "A"@en ; ex:p [ ex:q "1" ; ex:r ex:b ] .\n')
    same.write_text(head + '_:zz ex:r ex:b ; ex:q "1" .\nex:a ex:p _:zz ; rdfs:label "A"@en .\n')
    new.write_text(head + 'ex:a rdfs:label "A"@en ; ex:p [ ex:q "2" ; ex:r ex:b ] .\n')
    assert run_cli("diff", str(old), str(same)).returncode == 0
    result = run_cli("diff", str(old), str(new), "--lang", "en")
    assert result.returncode == 1
    # The blank node is shown inside the statement that points to it, not as a resource.
    assert result.stdout.splitlines()[2:] == [
        "1 resource(s); statements: 1 changed, 0 removed, 0 added",
        "",
        "A  <http://example.org/a>",
        '  ~ changed  ex:p: [ ex:q "1" ; ex:r ex:b ] → [ ex:q "2" ; ex:r ex:b ]',
    ]


def test_diff_of_two_releases_shows_a_data_change(run_cli, repo_copy: Path, tmp_path) -> None:
    first = run_cli("release", "-o", str(tmp_path / "a"))
    assert first.returncode == 0, first.stderr
    actors = repo_copy / "data" / "actors.ttl"
    actors.write_text(actors.read_text(encoding="utf-8").replace(OLD_LABEL, NEW_LABEL),
                      encoding="utf-8")
    second = run_cli("release", "-o", str(tmp_path / "b"), SEGUR_KG_HOME=str(repo_copy))
    assert second.returncode == 0, second.stderr
    [old] = (tmp_path / "a").iterdir()
    [new] = (tmp_path / "b").iterdir()
    result = run_cli("diff", str(old), str(new))
    assert result.returncode == 1, result.stderr
    assert '"Agence du numérique en santé"@fr → "Agence nationale du numérique en santé"@fr' \
        in result.stdout


def test_missing_path_is_a_clean_error(run_cli, tmp_path: Path, repo_root: Path) -> None:
    result = run_cli("diff", str(tmp_path / "nope"), str(repo_root / "data"))
    assert_clean_error(result)
    assert "nope" in result.stderr


def test_unparsable_file_names_the_file_and_line(run_cli, tmp_path: Path) -> None:
    good = tmp_path / "good.ttl"
    good.write_text("<http://a> <http://b> <http://c> .\n")
    bad = tmp_path / "bad.ttl"
    bad.write_text("<http://a> <http://b> <http://c> .\n<http://a> <http://b> .\n")
    result = run_cli("diff", str(good), str(bad))
    assert_clean_error(result)
    assert "bad.ttl:2:" in result.stderr


def test_folder_without_rdf_files_is_a_clean_error(run_cli, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.txt").write_text("nothing here\n")
    assert_clean_error(run_cli("diff", str(empty), str(empty)))


def test_unknown_extension_is_a_clean_error(run_cli, tmp_path: Path) -> None:
    odd = tmp_path / "graph.txt"
    odd.write_text("<http://a> <http://b> <http://c> .\n")
    assert_clean_error(run_cli("diff", str(odd), str(odd)))
