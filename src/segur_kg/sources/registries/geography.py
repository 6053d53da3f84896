"""From the département a registry line gives to the NOS département (TRE_G09) and region (TRE_R30)
codes the graph uses.

Where each table comes from:

- `REGION_OF_DEPARTMENT`: the region of each département, as INSEE's Code officiel géographique
  (COG, the regions as they stand since 1 January 2016) gives it; the COG and its yearly files
  are described at https://www.insee.fr/en/metadonnees/source/serie/s2084 and listed at
  https://www.insee.fr/fr/metadonnees/source/operation/s2085/produits. The COG's region codes are
  the two-digit codes of NOS TRE_R30-RegionOM (data/nos/TRE_R30-RegionOM.ttl), which the regions
  of the graph carry as skos:notation (data/regions.ttl).
  Saint-Barthélemy (977) and Saint-Martin (978) are no region in the COG, but they come under the
  regional health agency of Guadeloupe (01): the Code de la santé publique names it "Agence de
  santé de la Guadeloupe, de Saint-Barthélemy et de Saint-Martin" and has it act in all three
  (https://www.legifrance.gouv.fr/affichCode.do?idSectionTA=LEGISCTA000022022328&cidTexte=LEGITEXT000006072665&dateTexte=20180726);
  the agency calls itself "ARS Guadeloupe, Saint-Martin et Saint-Barthélemy"
  (https://www.stmartinweek.fr/2015/05/05/5-ans-dactions-pour-ameliorer-loffre-medico-sociale/4078).
  TRE_R30 also has codes 977 and 978 of its own, but they name no region of the graph.
  Saint-Pierre-et-Miquelon (975), the French Southern and Antarctic Lands (984), Wallis-et-Futuna
  (986), French Polynesia (987), New Caledonia (988), Clipperton (989) and Monaco (99138) have
  no region and no ARS: they are absent from the table. So are the codes TRE_G09 has closed:
  20 (Corsica before 1976), 985 (Mayotte's former code) and 98000 (Monaco's former code).
- `FINESS_DEPARTMENT`: the letter codes that the FINESS etalab extract (DREES, data.gouv.fr
  dataset "FINESS Extraction du Fichier des établissements") writes for overseas départements
  instead of their number, as its published lines show them: 9A Guadeloupe (also used for
  Saint-Barthélemy and Saint-Martin), 9B Martinique, 9C Guyane, 9D La Réunion, 9F Mayotte, 9J
  Wallis-et-Futuna. No other letter code is mapped: an unknown code gives no département.
- `DEPARTMENTS`: every code of NOS TRE_G09-DepartementOM (data/registries/nos/), closed ones
  included, so that a registry line that still uses one finds its concept.
"""

from __future__ import annotations

# Every code of NOS TRE_G09-DepartementOM: 01 to 95 (20 is Corsica's closed code), Corsica's two
# départements, the overseas départements and collectivities, and Monaco's two codes.
DEPARTMENTS: frozenset[str] = frozenset(
    {f"{number:02d}" for number in range(1, 96)}
    | {"2A", "2B", "971", "972", "973", "974", "975", "976", "977", "978",
       "984", "985", "986", "987", "988", "989", "98000", "99138"}
)

_REGIONS: dict[str, tuple[str, ...]] = {
    "84": ("01", "03", "07", "15", "26", "38", "42", "43", "63", "69", "73", "74"),  # Auvergne-Rhône-Alpes
    "27": ("21", "25", "39", "58", "70", "71", "89", "90"),  # Bourgogne-Franche-Comté
    "53": ("22", "29", "35", "56"),  # Bretagne
    "24": ("18", "28", "36", "37", "41", "45"),  # Centre-Val de Loire
    "94": ("2A", "2B"),  # Corse
    "44": ("08", "10", "51", "52", "54", "55", "57", "67", "68", "88"),  # Grand Est
    "32": ("02", "59", "60", "62", "80"),  # Hauts-de-France
    "11": ("75", "77", "78", "91", "92", "93", "94", "95"),  # Île-de-France
    "28": ("14", "27", "50", "61", "76"),  # Normandie
    "75": ("16", "17", "19", "23", "24", "33", "40", "47", "64", "79", "86", "87"),  # Nouvelle-Aquitaine
    "76": ("09", "11", "12", "30", "31", "32", "34", "46", "48", "65", "66", "81", "82"),  # Occitanie
    "52": ("44", "49", "53", "72", "85"),  # Pays de la Loire
    "93": ("04", "05", "06", "13", "83", "84"),  # Provence-Alpes-Côte d'Azur
    "01": ("971", "977", "978"),  # Guadeloupe, with Saint-Barthélemy and Saint-Martin (its ARS)
    "02": ("972",),  # Martinique
    "03": ("973",),  # Guyane
    "04": ("974",),  # La Réunion
    "06": ("976",),  # Mayotte
}

# NOS TRE_G09 département code → NOS TRE_R30 region code.
REGION_OF_DEPARTMENT: dict[str, str] = {
    department: region for region, departments in _REGIONS.items() for department in departments
}

# FINESS letter code → NOS TRE_G09 code (only those seen in the extract).
FINESS_DEPARTMENT: dict[str, str] = {
    "9A": "971",
    "9B": "972",
    "9C": "973",
    "9D": "974",
    "9F": "976",
    "9J": "986",
}


def department(raw: str) -> str | None:
    """The NOS TRE_G09 code of a département as a registry writes it, or None when it is none.

    Spaces around it are dropped and letters upper-cased ("2a" is 2A). FINESS letter codes give
    their département (9A is 971). A single digit is read as a département whose leading zero was
    lost ("1" is 01): no département code has one character, and spreadsheets drop that zero;
    this is the graph's reading, not the registry's. Anything else that is not a TRE_G09 code,
    an empty value included, gives None.
    """
    code = raw.strip().upper()
    code = FINESS_DEPARTMENT.get(code, code)
    if len(code) == 1 and code.isdigit() and code != "0":
        code = "0" + code
    return code if code in DEPARTMENTS else None


def region(department_code: str) -> str | None:
    """The NOS TRE_R30 code of the region a département lies in (normalised as `department`
    does), or None when it lies in none (Wallis-et-Futuna, a foreign code, an unknown code)."""
    code = department(department_code)
    return REGION_OF_DEPARTMENT.get(code) if code else None
