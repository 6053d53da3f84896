"""Knowledge graph of the Ségur du numérique en santé programme.

>>> import segur_kg
>>> kg = segur_kg.open()
>>> kg.query("who-oversees-what").columns[:2]
['actor', 'role']

See segur_kg.api for what `open` returns; the `segur-kg` command calls the same functions.
"""

from segur_kg.api import Answer, KnowledgeGraph, open  # noqa: A004

__all__ = ["Answer", "KnowledgeGraph", "__version__", "open"]


def __getattr__(name: str) -> str:
    # Read from the installed metadata only when asked: `import segur_kg` stays fast.
    if name == "__version__":
        from segur_kg.common.metadata import metadata

        return metadata().version
    raise AttributeError(f"module 'segur_kg' has no attribute {name!r}")
