"""The formats `segur-kg export` writes; kept apart so the command line starts without rdflib."""

FORMATS = ("ttl", "nt", "jsonld", "xml", "trig", "nq")
TABLE_FORMAT = "csv"
CHOICES = (*FORMATS, TABLE_FORMAT)
TABLE_LANGS = ("fr", "en")

# The format a file's extension names, for `export -o FILE` without --format.
EXTENSIONS = {".ttl": "ttl", ".nt": "nt", ".jsonld": "jsonld", ".json": "jsonld",
              ".rdf": "xml", ".xml": "xml", ".owl": "xml", ".trig": "trig", ".nq": "nq",
              ".csv": TABLE_FORMAT}


def format_of(path) -> str | None:  # noqa: ANN001 (a pathlib.Path; not imported, to start fast)
    return EXTENSIONS.get(path.suffix.lower())
