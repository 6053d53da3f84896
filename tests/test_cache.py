"""The parsed dataset is kept between runs (for a quick start) and never gives stale or
damaged answers."""

from __future__ import annotations

from pathlib import Path

from segur_kg.rdf import cache
from segur_kg.rdf.reading import load_dataset
from segur_kg.rdf.serialize import serialize


def test_the_cached_dataset_is_the_dataset_with_its_prefixes(monkeypatch, tmp_path) -> None:
    # A cache folder of its own: other tests of the same worker leave entries of other sources.
    monkeypatch.setenv("SEGUR_KG_CACHE_DIR", str(tmp_path / "cache"))
    built = load_dataset()
    first = cache.dataset()  # builds and writes the cache
    [kept] = cache.cache_dir().glob("dataset-*.nt")
    second = cache.dataset()  # reads it
    for graph in (first, second):
        assert serialize(graph, "ttl") == serialize(built, "ttl")
        assert sorted(graph.namespaces()) == sorted(built.namespaces())
    assert kept.read_bytes().startswith(b"# prefix ")


def test_an_edited_source_is_never_answered_from_the_cache(run_cli, repo_copy: Path,
                                                           tmp_path: Path) -> None:
    env = {"SEGUR_KG_HOME": str(repo_copy), "SEGUR_KG_CACHE_DIR": str(tmp_path / "cache")}
    before = run_cli("query", "who-oversees-what", **env)
    assert before.returncode == 0 and "Mailiz" in before.stdout
    messaging = repo_copy / "data" / "messaging.ttl"
    text = messaging.read_text(encoding="utf-8")
    assert '"Mailiz"@fr' in text
    messaging.write_text(text.replace('"Mailiz"@fr', '"Mailiz (renommée)"@fr'),
                         encoding="utf-8")
    after = run_cli("query", "who-oversees-what", **env)
    assert after.returncode == 0 and "Mailiz (renommée)" in after.stdout
    assert len(list((tmp_path / "cache").glob("dataset-*.nt"))) == 2


def test_a_damaged_cache_is_rebuilt(run_cli, tmp_path: Path) -> None:
    env = {"SEGUR_KG_CACHE_DIR": str(tmp_path / "cache")}
    first = run_cli("query", "who-oversees-what", **env)
    [kept] = (tmp_path / "cache").glob("dataset-*.nt")
    kept.write_bytes(kept.read_bytes()[:2000])  # truncated, as after a crash
    second = run_cli("query", "who-oversees-what", **env)
    assert second.returncode == 0 and second.stdout == first.stdout
    assert kept.read_bytes().splitlines()[-1].startswith(b"# sha256 ")
