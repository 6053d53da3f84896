"""The national registries (FINESS, Annuaire Santé, MSSanté directory), read from the official
open-data files: the importers, the geography and corridor tables they use, and synthetic files
in the same formats."""
