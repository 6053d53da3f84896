"""The Python API in a few steps: run it with `python api_tour.py` in a folder made by
`segur-kg examples -o FOLDER` (it reads demo.ttl there). Each step prints what a notebook cell
would show."""

import segur_kg

kg = segur_kg.open()  # the graph in memory; segur_kg.open("oxigraph:kg") for a store

# 1. A named question, with a parameter, its rows as Python values and as labels.
answer = kg.query("ars-of-region", lang="en", region="Bretagne")
print(answer.columns)
print(answer.rows)
print(answer.labels)

# 2. Your own SPARQL; the prefixes of the graph are known.
count = kg.query("SELECT (COUNT(?c) AS ?n) WHERE { ?c a segur:SoftwareCategory }")
print("software categories:", count.rows[0][0])

# 3. Rows as dicts (and as a pandas DataFrame when pandas is installed).
for row in kg.query("corridors", lang="en").to_dicts(labels=True)[:3]:
    print(row)

# 4. Validation: the dataset, then a file checked with the dataset.
print("dataset conforms:", kg.validate().conforms)
report = kg.validate(["demo.ttl"], with_dataset=True, lang="en")
print("demo.ttl conforms:", report.conforms, "-", report.count("Violation"), "violations")
print(report.results[0].requirement, report.results[0].message)

# 5. An export, and what the graph says about one resource.
path = kg.export("nt", "graph.nt")
print("exported", sum(1 for _ in path.open(encoding="utf-8")), "triples to", path)
print(len(kg.describe("actor/ans")), "statements about actor/ans")
kg.close()
