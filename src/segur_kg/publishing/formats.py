"""The formats `segur-kg export` writes; kept apart so the command line starts without rdflib."""

FORMATS = ("ttl", "nt", "jsonld", "xml", "trig", "nq")
TABLE_FORMAT = "csv"
CHOICES = (*FORMATS, TABLE_FORMAT)
TABLE_LANGS = ("fr", "en")
