"""Synthetic files in the formats of the three national registries, for tests and scale runs.

`write(kind, rows, seed, output)` writes a made-up extract of one registry in its official
format: the FINESS establishments file (`etalab-cs1100502-stock-….csv`: ';', no header, a comment
line, `structureet;` then `geolocalisation;` lines, ISO-8859-1), the Annuaire Santé activities
file (`PS_LibreAcces_Personne_activite_….txt`: '|', a 52-column header, a trailing '|', UTF-8)
or the MSSanté directory (`Extraction_Correspondance_MSSante_….txt`: '|', a 31-column header,
UTF-8). A path ending in `.zip` (activities and mailboxes only) gets a ZIP holding the text file
under the name the ANS extraction service gives it. The formats are those described in
sources/open-data.md, with the sources it cites.

The three files refer to each other the way the real ones do. Every identifier is a pure function
of the seed and an index (`finess_et_number(seed, i)`, `rpps_national_id(seed, p)`…), so the
activities file of a seed names, as its sites, establishments of the FINESS file of the same seed
with `finess_rows` lines, and the mailbox file names persons of the activities file of the same
seed with `rpps_rows` lines and establishments of that same FINESS file. Left out, `finess_rows`
and `rpps_rows` follow the national ratios: 100,000 FINESS lines and 540,000 mailbox lines for
2,000,000 activity lines.

Nothing here names a real person: family names are made of syllables and end in "-FICTIF",
national identifiers start with 19 (RPPS) or 99 (ADELI), the phone numbers of liberal practices
start with 0199 and their e-mail addresses end in @example.invalid; establishments are named
"… SYNTHÉTIQUE n", communes "COMMUNE SYNTHETIQUE code". Codes (categories, professions, modes,
sectors, départements) are real NOS codes with their NOS labels, so an importer reads these files
as it reads the real ones.

The same kind, rows, seed, finess_rows and rpps_rows give the same bytes: the only randomness is
random.Random, seeded from the seed and an index. Lines are streamed into an atomic file
(segur_kg.common.atomic): memory holds one compact line per FINESS establishment at most.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import math
import random
import shutil
import tempfile
import unicodedata
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import BinaryIO

from segur_kg.common import paths
from segur_kg.common.errors import SegurKgError

KINDS = ("finess", "rpps", "mssante")

# How the summary of `segur-kg synth --format` names each count: (for one, for several).
COUNT_NAMES = {
    "lines": ("line", "lines"),
    "establishments": ("establishment", "establishments"),
    "legal_entities": ("legal entity", "legal entities"),
    "geolocations": ("geolocation", "geolocations"),
    "overseas_establishments": ("overseas establishment", "overseas establishments"),
    "departments": ("département", "départements"),
    "persons": ("person", "persons"),
    "rpps_persons": ("RPPS person", "RPPS persons"),
    "adeli_persons": ("ADELI person", "ADELI persons"),
    "activities": ("activity", "activities"),
    "activities_at_finess_sites": ("activity at a FINESS site", "activities at FINESS sites"),
    "liberal_activities": ("liberal activity", "liberal activities"),
    "sites_abroad": ("site abroad", "sites abroad"),
    "sites_without_department": ("site without a département", "sites without a département"),
    "mailboxes": ("mailbox", "mailboxes"),
    "personal": ("personal", "personal"),
    "organisational": ("organisational", "organisational"),
    "duplicated_addresses": ("duplicated address", "duplicated addresses"),
    "holders": ("holder", "holders"),
    "persons_in_rpps": ("person of the RPPS file", "persons of the RPPS file"),
}


def counted(key: str, count: int) -> str:
    """'1 duplicated address', '2,000 mailboxes'."""
    one, several = COUNT_NAMES[key]
    return f"{count:,} {one if count == 1 else several}"


# The national sizes: FINESS has about 103,000 lines (May 2026) and the MSSanté directory about
# 536,000 (August 2026), see sources/open-data.md; 2,000,000 activity lines is the
# size these files are generated at to stand for the Annuaire Santé.
NATIONAL_ROWS = {"finess": 100_000, "rpps": 2_000_000, "mssante": 540_000}
# Upper bounds: identifiers stay unique up to these sizes (see _Keys); a mailbox file of the
# largest size refers by default to an activities file below the largest size.
MAX_ROWS = {"finess": 1_000_000, "rpps": 10_000_000, "mssante": 2_500_000}
MAX_SEED = 10**18 - 1

# The date of the synthetic extracts: in the FINESS comment line and in the ZIP member names.
EXTRACT_DATE = "2026-11-01"
EXTRACT_STAMP = "202611010000"

FINESS_FIELDS = (
    "structureet", "nofinesset", "nofinessej", "rs", "rslongue", "complrs", "compldistrib",
    "numvoie", "typvoie", "voie", "compvoie", "lieuditbp", "commune", "departement",
    "libdepartement", "ligneacheminement", "telephone", "telecopie", "categetab", "libcategetab",
    "categagretab", "libcategagretab", "siret", "codeape", "codemft", "libmft", "codesph", "libsph",
    "dateouv", "dateautor", "datemaj", "numuai",
)
GEOLOCATION_FIELDS = ("geolocalisation", "nofinesset", "coordx", "coordy", "source", "date")

RPPS_COLUMNS = (
    "Type d'identifiant PP", "Identifiant PP", "Identification nationale PP",
    "Code civilité d'exercice", "Libellé civilité d'exercice", "Code civilité", "Libellé civilité",
    "Nom d'exercice", "Prénom d'exercice", "Code profession", "Libellé profession",
    "Code catégorie professionnelle", "Libellé catégorie professionnelle",
    "Code type savoir-faire", "Libellé type savoir-faire", "Code savoir-faire",
    "Libellé savoir-faire", "Code mode exercice", "Libellé mode exercice", "Numéro SIRET site",
    "Numéro SIREN site", "Numéro FINESS site", "Numéro FINESS établissement juridique",
    "Identifiant technique de la structure", "Raison sociale site", "Enseigne commerciale site",
    "Complément destinataire (coord. structure)",
    "Complément point géographique (coord. structure)", "Numéro Voie (coord. structure)",
    "Indice répétition voie (coord. structure)", "Code type de voie (coord. structure)",
    "Libellé type de voie (coord. structure)", "Libellé Voie (coord. structure)",
    "Mention distribution (coord. structure)", "Bureau cedex (coord. structure)",
    "Code postal (coord. structure)", "Code commune (coord. structure)",
    "Libellé commune (coord. structure)", "Code pays (coord. structure)",
    "Libellé pays (coord. structure)", "Téléphone (coord. structure)",
    "Téléphone 2 (coord. structure)", "Télécopie (coord. structure)",
    "Adresse e-mail (coord. structure)", "Code Département (structure)",
    "Libellé Département (structure)", "Ancien identifiant de la structure",
    "Autorité d'enregistrement", "Code secteur d'activité", "Libellé secteur d'activité",
    "Code section tableau pharmaciens", "Libellé section tableau pharmaciens",
)
RPPS_HEADER = "|".join(RPPS_COLUMNS) + "|"

MSSANTE_COLUMNS = (
    "Type de BAL", "Adresse BAL", "Type Identifiant PP", "Identifiant PP",
    "Identification nationale PP", "Type identifiant structure", "Identification Structure",
    "Service de rattachement", "Civilité d'exercice", "Nom d'exercice", "Prénom d'exercice",
    "Catégorie profession", "Libellé de catégorie profession", "Code Profession",
    "Libellé Profession", "Code savoir-faire", "Libellé savoir-faire", "Dématérialisation",
    "Raison Sociale structure BAL", "Enseigne commerciale structure BAL",
    "L2COMPLEMENTLOCALISATION", "L3COMPLEMENTDISTRIBUTION", "L4NUMEROVOIE",
    "L4COMPLEMENTNUMEROVOIE", "NL4TYPEVOIE", "L4LIBELLEVOIE", "L5LIEUDITMENTION",
    "L6LIGNEACHEMINEMENT", "Code postal", "Département", "Pays",
)
MSSANTE_HEADER = "|".join(MSSANTE_COLUMNS)

# The files as the producers name them (open-data.md); the ZIP member takes the text file's name.
FILE_NAMES = {
    "finess": f"etalab-cs1100502-stock-{EXTRACT_STAMP[:8]}-0000.csv",
    "rpps": f"PS_LibreAcces_Personne_activite_{EXTRACT_STAMP}.txt",
    "mssante": f"Extraction_Correspondance_MSSante_{EXTRACT_STAMP}.txt",
}
ENCODINGS = {"finess": "iso-8859-1", "rpps": "utf-8", "mssante": "utf-8"}

# --- NOS codes ------------------------------------------------------------------------------
# Every code and label below is copied from the NOS code systems in FHIR RDF (ANS, CC0), files
# CodeSystem-TRE-*.ttl, from https://github.com/ansforge/IG-NOS
# (ig/allNos2/). Only codes without an end date (dateFin) are used.

# TRE_R66-CategorieEtablissement (CodeSystem-TRE-R66-CategorieEtablissement.ttl).
# Per category: NOS label; FINESS aggregate category code and label, as found next to that
# category in published FINESS lines (empty where no published line was at hand: the synthetic
# file leaves them empty rather than guess); tariff mode and public-service status, likewise;
# APE code; relative weight (made up); long and short name templates (fictional); the TRE_R02
# sector of activity of an activity exercised there (the graph's own reading of the category).
# TRE_R66 has no category for imaging practices: imaging professionals work in the hospitals
# and clinics below, or in liberal practice.
_DGF = ("03", "ARS établissements Publics de santé dotation globale", "1",
        "Etablissement public de santé")
_FREE = ("01", "Etablissement Tarif Libre", "", "")
_NOT_DG = ("07", "ARS établissements de santé non financés dotation globale", "0", "Non concerné")
_UNKNOWN = ("99", "Indéterminé", "", "")
CATEGORIES: tuple[tuple[str, str, str, str, tuple[str, str, str, str], str, float, str, str, str],
                  ...] = (
    ("355", "Centre Hospitalier (C.H.)", "1102", "Centres Hospitaliers", _DGF, "8610Z", 2.0,
     "CENTRE HOSPITALIER SYNTHÉTIQUE {n}", "CH SYNTHÉTIQUE {n}", "SA01"),
    ("101", "Centre Hospitalier Régional (C.H.R.)", "1101", "Centres Hospitaliers Régionaux",
     _DGF, "8610Z", 0.3, "CENTRE HOSPITALIER RÉGIONAL SYNTHÉTIQUE {n}", "CHR SYNTHÉTIQUE {n}",
     "SA01"),
    ("292", "Centre Hospitalier Spécialisé lutte Maladies Mentales", "", "", _DGF, "8610Z", 0.3,
     "CENTRE HOSPITALIER SPÉCIALISÉ SYNTHÉTIQUE {n}", "CHS SYNTHÉTIQUE {n}", "SA01"),
    ("131", "Centre de Lutte Contre Cancer", "", "", _UNKNOWN, "8610Z", 0.05,
     "CENTRE DE LUTTE CONTRE LE CANCER SYNTHÉTIQUE {n}", "CLCC SYNTHÉTIQUE {n}", "SA36"),
    ("365", "Etablissement de Soins Pluridisciplinaire", "1110",
     "Etablissements de Soins de Courte Durée", _NOT_DG, "8610Z", 1.5,
     "CLINIQUE SYNTHÉTIQUE {n}", "CLINIQUE SYNTHÉTIQUE {n}", "SA04"),
    ("146", "Structure d'Alternative à la dialyse en centre", "1203", "Dialyse Ambulatoire",
     _NOT_DG, "", 0.6, "UNITÉ D'AUTODIALYSE SYNTHÉTIQUE {n}", "UAD SYNTHÉTIQUE {n}", "SA34"),
    ("699", "Entité Ayant Autorisation", "1205",
     "Autres Etablissements Relevant de la Loi Hospitalière", _UNKNOWN, "", 1.5,
     "ENTITÉ AUTORISÉE SYNTHÉTIQUE {n}", "ENTITÉ SYNTHÉTIQUE {n}", "SA30"),
    ("124", "Centre de Santé", "", "", _UNKNOWN, "", 2.5,
     "CENTRE DE SANTÉ SYNTHÉTIQUE {n}", "CDS SYNTHÉTIQUE {n}", "SA05"),
    ("603", "Maison de santé (L.6223-3)", "", "", _UNKNOWN, "", 2.0,
     "MAISON DE SANTÉ SYNTHÉTIQUE {n}", "MSP SYNTHÉTIQUE {n}", "SA52"),
    ("620", "Pharmacie d'Officine", "3201", "Commerce de Biens à Usage Médicaux", _FREE, "", 13.0,
     "", "PHARMACIE SYNTHÉTIQUE {n}", "SA33"),
    ("611", "Laboratoire de Biologie Médicale", "", "", _UNKNOWN, "", 3.0,
     "LABORATOIRE DE BIOLOGIE MÉDICALE SYNTHÉTIQUE {n}", "LBM SYNTHÉTIQUE {n}", "SA25"),
    ("500", "Etablissement d'hébergement pour personnes âgées dépendantes", "4401",
     "Etablissements d'Hébergement pour Personnes Âgées", _UNKNOWN, "8710A", 6.5,
     "EHPAD RÉSIDENCE LES SYNTHÈSES {n}", "EHPAD LES SYNTHÈSES {n}", "SA17"),
    ("354", "Service de Soins Infirmiers A Domicile (S.S.I.A.D)", "", "", _UNKNOWN, "", 2.2,
     "SERVICE DE SOINS INFIRMIERS À DOMICILE SYNTHÉTIQUE {n}", "SSIAD SYNTHÉTIQUE {n}", "SA17"),
    ("460", "Service d'aide et d'accompagnement à domicile", "", "", _UNKNOWN, "", 5.0,
     "SERVICE D'AIDE À DOMICILE SYNTHÉTIQUE {n}", "SAAD SYNTHÉTIQUE {n}", "SA41"),
    ("223", "Protection Maternelle et Infantile (P.M.I.)", "2202",
     "Etablissements de PMI et de Planification Familiale", _FREE, "", 2.5,
     "PROTECTION MATERNELLE ET INFANTILE SYNTHÉTIQUE {n}", "PMI SYNTHÉTIQUE {n}", "SA15"),
    ("183", "Institut Médico-Educatif (I.M.E.)", "", "", _UNKNOWN, "", 1.3,
     "INSTITUT MÉDICO-ÉDUCATIF SYNTHÉTIQUE {n}", "IME SYNTHÉTIQUE {n}", "SA16"),
    ("189", "Centre Médico-Psycho-Pédagogique (C.M.P.P.)", "4106",
     "Services à Domicile ou Ambulatoires pour Handicapés", _UNKNOWN, "", 0.5,
     "CMPP SYNTHÉTIQUE {n}", "CMPP SYNTHÉTIQUE {n}", "SA16"),
    ("255", "Maison d'Accueil Spécialisée (M.A.S.)", "", "", _UNKNOWN, "", 0.7,
     "MAISON D'ACCUEIL SPÉCIALISÉE SYNTHÉTIQUE {n}", "MAS SYNTHÉTIQUE {n}", "SA16"),
    ("340", "Service mandataire judiciaire à la protection des majeurs", "4608",
     "Protection des majeurs", _UNKNOWN, "", 1.0,
     "SERVICE MANDATAIRE SYNTHÉTIQUE {n}", "SMJPM SYNTHÉTIQUE {n}", "SA41"),
    ("462", "Lieux de vie", "4605", "Etablissements et services multi-clientèles", _UNKNOWN, "",
     0.5, 'LIEU DE VIE ET D\'ACCUEIL "LES SYNTHÈSES {n}"', 'LIEU DE VIE "SYNTHÈSE {n}"', "SA41"),
)
_CATEGORY = {row[0]: row for row in CATEGORIES}

# TRE_R02-SecteurActivite (CodeSystem-TRE-R02-SecteurActivite.ttl): the sectors used.
SECTORS = {
    "SA01": "Etablissement public de santé", "SA04": "Etablissement privé non PSPH",
    "SA05": "Centre de santé", "SA07": "Cabinet individuel", "SA08": "Cabinet de groupe",
    "SA09": "Exercice en société", "SA15": "PMI et Planification familiale",
    "SA16": "Etablissement pour personnes handicapées",
    "SA17": "Etablissement pour personnes âgées", "SA25": "Laboratoire de biologie médicale",
    "SA30": "Autre établissement sanitaire", "SA33": "Pharmacie d'officine",
    "SA34": "Centre de dialyse", "SA36": "Centre anti-cancer",
    "SA41": "Autre établissement du domaine social ou médico-social",
    "SA52": "Maison de santé ou Pôle de santé",
}

# TRE_R23-ModeExercice (CodeSystem-TRE-R23-ModeExercice.ttl).
MODES = {"S": "Salarié", "L": "Libéral, indépendant, artisan, commerçant", "B": "Bénévole"}

# TRE_R09-CategorieProfessionnelle (CodeSystem-TRE-R09-CategorieProfessionnelle.ttl), with
# made-up shares.
PROFESSIONAL_CATEGORIES = (("C", "Civil", 90.0), ("F",
                           "Fonctionnaire d'Etat ou de collectivité locale", 7.5),
                           ("E", "Etudiant", 2.0), ("M", "Militaire", 0.5))

# TRE_G15-ProfessionSante (CodeSystem-TRE-G15-ProfessionSante.ttl). Per profession: label;
# share of persons with an RPPS number (type 8) rather than an ADELI one (type 0); relative weight
# (made up); the categories of establishment where it is employed; its share of liberal
# activities (made up). The ANS lists which professions the RPPS registers and which ADELI
# (https://esante.gouv.fr/securite/annuaire-sante/faq-annuaire); nurses, listed under ADELI
# there, get either kind here.
_HOSPITALS = ("355", "101", "292", "131", "365")
PROFESSIONS: tuple[tuple[str, str, float, float, tuple[str, ...], float], ...] = (
    ("10", "Médecin", 1.0, 23.0, _HOSPITALS + ("124", "603", "699", "500", "223", "146"), 0.45),
    ("21", "Pharmacien", 1.0, 7.0, ("620", "620", "620", "611", "355", "101"), 0.35),
    ("40", "Chirurgien-Dentiste", 1.0, 4.0, ("124", "355", "101", "603"), 0.85),
    ("50", "Sage-Femme", 1.0, 2.5, ("355", "101", "365", "223"), 0.3),
    ("70", "Masseur-Kinésithérapeute", 1.0, 9.0, ("355", "365", "500", "255", "183"), 0.8),
    ("80", "Pédicure-Podologue", 1.0, 1.4, ("355", "500"), 0.9),
    ("60", "Infirmier", 0.85, 35.0, _HOSPITALS + ("500", "354", "124", "146", "255", "183"), 0.2),
    ("91", "Orthophoniste", 0.0, 2.5, ("355", "183", "189"), 0.8),
    ("92", "Orthoptiste", 0.0, 0.6, ("355", "101"), 0.6),
    ("98", "Manipulateur ERM", 0.0, 3.0, ("355", "101", "365", "131", "699"), 0.05),
    ("94", "Ergothérapeute", 0.0, 1.3, ("355", "365", "255", "183"), 0.2),
    ("96", "Psychomotricien", 0.0, 1.2, ("183", "189", "355"), 0.3),
    ("95", "Diététicien", 0.0, 1.0, ("355", "365", "500"), 0.4),
    ("26", "Audioprothésiste", 0.0, 0.4, ("355",), 0.7),
    ("28", "Opticien-Lunetier", 0.0, 3.0, ("355",), 0.6),
    ("86", "Technicien de labo médical", 0.0, 1.0, ("611", "355", "101"), 0.0),
)
# Activities per person: 1, 2 or 3 (made-up shares).
_ACTIVITY_COUNTS = ((1, 0.62), (2, 0.28), (3, 0.10))

# Civilities: NOS TRE_R11-CiviliteExercice (code DR) and TRE_R81-Civilite (M, MME), at
# https://mos.esante.gouv.fr/NOS/TRE_R11-CiviliteExercice/FHIR/TRE-R11-CiviliteExercice and
# https://mos.esante.gouv.fr/NOS/TRE_R81-Civilite/FHIR/TRE-R81-Civilite.
_DOCTORS = {"10", "40"}

# TRE_G09-DepartementOM (CodeSystem-TRE-G09-DepartementOM.ttl): code → label.
DEPARTMENTS = {
    "01": "Ain", "02": "Aisne", "03": "Allier", "04": "Alpes-de-Haute-Provence",
    "05": "Hautes-Alpes", "06": "Alpes-Maritimes", "07": "Ardèche", "08": "Ardennes",
    "09": "Ariège", "10": "Aube", "11": "Aude", "12": "Aveyron", "13": "Bouches-du-Rhône",
    "14": "Calvados", "15": "Cantal", "16": "Charente", "17": "Charente-Maritime", "18": "Cher",
    "19": "Corrèze", "2A": "Corse-du-Sud", "2B": "Haute-Corse", "21": "Côte-d'Or",
    "22": "Côtes-d'Armor", "23": "Creuse", "24": "Dordogne", "25": "Doubs", "26": "Drôme",
    "27": "Eure", "28": "Eure-et-Loir", "29": "Finistère", "30": "Gard", "31": "Haute-Garonne",
    "32": "Gers", "33": "Gironde", "34": "Hérault", "35": "Ille-et-Vilaine", "36": "Indre",
    "37": "Indre-et-Loire", "38": "Isère", "39": "Jura", "40": "Landes", "41": "Loir-et-Cher",
    "42": "Loire", "43": "Haute-Loire", "44": "Loire-Atlantique", "45": "Loiret", "46": "Lot",
    "47": "Lot-et-Garonne", "48": "Lozère", "49": "Maine-et-Loire", "50": "Manche",
    "51": "Marne", "52": "Haute-Marne", "53": "Mayenne", "54": "Meurthe-et-Moselle",
    "55": "Meuse", "56": "Morbihan", "57": "Moselle", "58": "Nièvre", "59": "Nord", "60": "Oise",
    "61": "Orne", "62": "Pas-de-Calais", "63": "Puy-de-Dôme", "64": "Pyrénées-Atlantiques",
    "65": "Hautes-Pyrénées", "66": "Pyrénées-Orientales", "67": "Bas-Rhin", "68": "Haut-Rhin",
    "69": "Rhône", "70": "Haute-Saône", "71": "Saône-et-Loire", "72": "Sarthe", "73": "Savoie",
    "74": "Haute-Savoie", "75": "Paris", "76": "Seine-Maritime", "77": "Seine-et-Marne",
    "78": "Yvelines", "79": "Deux-Sèvres", "80": "Somme", "81": "Tarn", "82": "Tarn-et-Garonne",
    "83": "Var", "84": "Vaucluse", "85": "Vendée", "86": "Vienne", "87": "Haute-Vienne",
    "88": "Vosges", "89": "Yonne", "90": "Territoire de Belfort", "91": "Essonne",
    "92": "Hauts-de-Seine", "93": "Seine-Saint-Denis", "94": "Val-de-Marne", "95": "Val d'Oise",
    "971": "Guadeloupe", "972": "Martinique", "973": "Guyane", "974": "Réunion",
    "976": "Mayotte", "986": "Wallis-et-Futuna",
}

# --- geography of the FINESS file -----------------------------------------------------------
# FINESS writes overseas départements with letter codes (open-data.md): 9A Guadeloupe (also
# Saint-Barthélemy and Saint-Martin), 9B Martinique, 9C Guyane, 9D La Réunion, 9F Mayotte,
# 9J Wallis-et-Futuna. Published lines show their FINESS numbers starting 9701, 9702, 9703,
# 9704, 9805 and 9806, their commune field holding the last three digits of the INSEE code
# (97101 → 101, 98613 → 613) and their département labels in capitals without accents
# ("LA REUNION", "WALLIS ET FUTUNA"); numbers of metropolitan establishments start with the
# département code (010000024 in the Ain, 2A… in Corsica).
# Per letter code: the NOS TRE_G09 code, FINESS number prefix, INSEE commune prefix (the first
# digit of the commune field), postal code prefix, weight among overseas establishments (made
# up), projection named in geolocalisation lines.
OVERSEAS = {
    "9A": ("971", "9701", "971", "971", 25.0, "EPSG:5490 RGAF09/UTM Zone 20N (Antilles)"),
    "9B": ("972", "9702", "972", "972", 22.0, "EPSG:5490 RGAF09/UTM Zone 20N (Antilles)"),
    "9C": ("973", "9703", "973", "973", 12.0, "EPSG:2972 RGFG95/UTM Zone 22N (Guyane)"),
    "9D": ("974", "9704", "974", "974", 30.0, "EPSG:2975 RGR92/UTM Zone 40S (La Réunion)"),
    "9F": ("976", "9805", "976", "976", 8.0, "EPSG:4471 RGM04/UTM Zone 38S (Mayotte)"),
    "9J": ("986", "9806", "986", "986", 3.0, "EPSG:4326 WGS 84 (Wallis-et-Futuna)"),
}
_FINESS_OVERSEAS_LABELS = {"9A": "GUADELOUPE", "9B": "MARTINIQUE", "9C": "GUYANE",
                           "9D": "LA REUNION", "9F": "MAYOTTE", "9J": "WALLIS ET FUTUNA"}
# Coordinate boxes per projection (rough extents of each territory, for plausible numbers).
_BOXES = {
    "metro": (100_000.0, 1_200_000.0, 6_100_000.0, 7_100_000.0),
    "9A": (620_000.0, 700_000.0, 1_760_000.0, 1_830_000.0),
    "9B": (690_000.0, 740_000.0, 1_590_000.0, 1_650_000.0),
    "9C": (150_000.0, 450_000.0, 250_000.0, 650_000.0),
    "9D": (315_000.0, 380_000.0, 7_635_000.0, 7_690_000.0),
    "9F": (500_000.0, 530_000.0, 8_560_000.0, 8_600_000.0),
    "9J": (-176.25, -176.1, -13.35, -13.2),
}
_METRO_SOURCE = "EPSG:2154 RGF93 / Lambert-93 (Métropole)"
# More establishments in the most populous départements (made-up weights).
_BIG = {"13", "31", "33", "59", "69", "75", "92", "93", "94", "06", "34", "44", "67", "62"}
_METRO = tuple(code for code in DEPARTMENTS if len(code) == 2)
_METRO_WEIGHTS = tuple(3.0 if code in _BIG else 1.0 for code in _METRO)
_OVERSEAS_CODES = tuple(OVERSEAS)
_OVERSEAS_WEIGHTS = tuple(row[4] for row in OVERSEAS.values())
# Saint-Barthélemy and Saint-Martin under 9A, as in published lines (commune, postal code, town).
_GUADELOUPE_COLLECTIVITIES = (("123", "97133", "ST BARTHELEMY"), ("127", "97150", "ST MARTIN"))

# Street types in the FINESS style, with the labels the activities file spells out.
_STREET_TYPES = (("R", "Rue"), ("AV", "Avenue"), ("BD", "Boulevard"), ("RTE", "Route"),
                 ("CHE", "Chemin"), ("PL", "Place"), ("ALL", "Allée"))
_STREETS = ("DES SYNTHÈSES", "DU DOCTEUR FICTIF", "DE LA SANTÉ SYNTHÉTIQUE", "DES ÉCHANTILLONS",
            "DU REGISTRE", "DES ESSAIS", "DE L'EXEMPLE", "DES MODÈLES")

# Sites abroad: INSEE codes of foreign countries, which start with 99 (Code officiel
# géographique, https://www.insee.fr/fr/information/7766238); 99138 Monaco is also in TRE_G09.
_ABROAD = (("99131", "Belgique", "1000"), ("99140", "Suisse", "1200"), ("99138", "Monaco", "98000"))

# Fictional names: syllables, some accented, so that UTF-8 and ISO-8859-1 matter.
_SYLLABLES = ("ba", "ko", "ri", "la", "mu", "ze", "to", "vi", "na", "lo", "pe", "du", "sa",
              "fi", "go", "ne", "ra", "bu", "mi", "te", "jo", "ka", "li", "so", "ve", "zu",
              "da", "ré", "po", "gè", "lé", "ço", "ï")

# MSSanté: made-up operator domains (".mssante.fr", as the real ones, see open-data.md).
PERSONAL_DOMAINS = ("medecins-fictif.mssante.fr", "pharmaciens-fictif.mssante.fr",
                    "paramedical-fictif.mssante.fr", "operateur-fictif.mssante.fr",
                    "sante-fictive.mssante.fr")
_SERVICES = (("accueil", "Accueil"), ("secretariat-medical", "Secrétariat médical"),
             ("urgences", "Urgences"), ("pharmacie", "Pharmacie"),
             ("laboratoire", "Laboratoire"), ("imagerie", "Imagerie"),
             ("direction", "Direction"), ("admissions", "Admissions"))
# In August 2026, 169 of 535,357 lines repeated an address already on another line
# (open-data.md); the synthetic file keeps that share, and at least one when it has two lines.
DUPLICATE_SHARE = (169, 535_357)
ORG_SHARE = (3, 20)  # 15% organisational mailboxes (about 80,000 of 536,000)
# The type of structure identifier in NOS TRE_G07-TypeIdentifiantStructure
# (CodeSystem-TRE-G07-TypeIdentifiantStructure.ttl): 1 FINESS, 3 SIRET. The identifier itself
# is written as the national structure identifier: that digit followed by the number
# (Annexe transverse du CI-SIS, sources des données métier,
# https://esante.gouv.fr/sites/default/files/media_entity/documents/ci-sis_anx_sources-donnees-professionnels-structures_v1.5_0.pdf).
STRUCTURE_FINESS = "1"
STRUCTURE_SIRET = "3"


# --- the public helpers ---------------------------------------------------------------------


def default_finess_rows(rpps_rows: int) -> int:
    """The FINESS lines an activities file of `rpps_rows` lines refers to (national ratio)."""
    return max(1, rpps_rows * NATIONAL_ROWS["finess"] // NATIONAL_ROWS["rpps"])


def default_rpps_rows(mssante_rows: int) -> int:
    """The activity lines a mailbox file of `mssante_rows` lines refers to (national ratio)."""
    return max(1, mssante_rows * NATIONAL_ROWS["rpps"] // NATIONAL_ROWS["mssante"])


def finess_et_number(seed: int, i: int) -> str:
    """The FINESS number of establishment (ET) `i` (0-based line) of the FINESS file of `seed`."""
    return _et_number(_keys(seed), i, _department(seed, i))


def finess_ej_number(seed: int, i: int) -> str:
    """The FINESS number of the legal entity (EJ) of establishment `i`; several ETs share one."""
    anchor = _anchor(seed, i)
    return _ej_number(_keys(seed), anchor, _department(seed, anchor))


def finess_et_numbers(seed: int, rows: int) -> list[str]:
    """The FINESS numbers of the establishments of the FINESS file of `seed` with `rows` lines."""
    return [finess_et_number(seed, i) for i in range(rows)]


def rpps_person_count(seed: int, rows: int) -> int:
    """How many persons the activities file of `seed` with `rows` lines describes."""
    keys = _keys(seed)
    period = sum(keys.activities)
    full, rest = divmod(rows, period)
    persons = full * len(keys.activities)
    for p in itertools.count(persons):
        if rest <= 0:
            return p
        rest -= keys.activity_count(p)
    raise AssertionError("unreachable")


def rpps_national_id(seed: int, p: int) -> str:
    """The "Identification nationale PP" of person `p` (0-based) of the activities file of
    `seed`: 8 and an 11-digit RPPS number, or 0 and a 9-digit ADELI number."""
    rng = random.Random(_key(seed, _PERSON, p))
    return _identity(_keys(seed), rng, p)[2]


def rpps_national_ids(seed: int, rows: int) -> list[str]:
    """The national identifiers of the persons of the activities file of `seed`, `rows` lines."""
    return [rpps_national_id(seed, p) for p in range(rpps_person_count(seed, rows))]


def file_name(kind: str) -> str:
    """The name the producer gives the file (the ZIP member name for .zip outputs)."""
    return FILE_NAMES[kind]


# --- writing --------------------------------------------------------------------------------


def write(kind: str, rows: int, seed: int, output: Path | str, *, finess_rows: int | None = None,
          rpps_rows: int | None = None) -> dict[str, object]:
    """Write a synthetic file of registry `kind` ("finess", "rpps" or "mssante") with `rows`
    data lines to `output`, atomically, and say what was written."""
    output = _check(kind, rows, seed, output, finess_rows, rpps_rows)
    if kind == "finess":
        writer: Callable[[BinaryIO], dict[str, object]] = functools.partial(
            _write_finess, rows, seed)
    elif kind == "rpps":
        finess_rows = finess_rows if finess_rows is not None else default_finess_rows(rows)
        writer = functools.partial(_write_rpps, rows, seed, finess_rows)
    else:
        rpps_rows = rpps_rows if rpps_rows is not None else default_rpps_rows(rows)
        finess_rows = finess_rows if finess_rows is not None else default_finess_rows(rpps_rows)
        writer = functools.partial(_write_mssante, rows, seed, rpps_rows, finess_rows)
    summary: dict[str, object] = {"kind": kind, "path": str(output), "seed": seed, "rows": rows}
    from segur_kg.common.atomic import open_atomic_bytes

    try:
        with open_atomic_bytes(output) as raw:
            if output.suffix.lower() == ".zip":
                summary.update(_zipped(raw, kind, rows, writer))
            else:
                summary.update(writer(raw))
    except OSError as exc:
        raise SegurKgError(f"{paths.display(output)}: cannot write the synthetic {kind} file "
                           f"({exc.strerror or exc}); check the path, its permissions and free "
                           "space") from None
    summary["encoding"] = ENCODINGS[kind]
    return summary


def _check(kind: object, rows: object, seed: object, output: object, finess_rows: object,
           rpps_rows: object) -> Path:
    if kind not in KINDS:
        raise SegurKgError(f"unknown registry '{kind}' for a synthetic file; give one of "
                           + ", ".join(KINDS))
    assert isinstance(kind, str)
    _whole(rows, "rows", 1, MAX_ROWS[kind])
    _whole(seed, "seed", 0, MAX_SEED)
    if finess_rows is not None:
        if kind == "finess":
            raise SegurKgError("finess_rows applies to the rpps and mssante files, which refer to "
                               "a FINESS file; the finess file's size is rows")
        _whole(finess_rows, "finess_rows", 1, MAX_ROWS["finess"])
    if rpps_rows is not None:
        if kind != "mssante":
            raise SegurKgError("rpps_rows applies to the mssante file, which refers to an rpps "
                               "file; leave it out for the finess and rpps files")
        _whole(rpps_rows, "rpps_rows", 1, MAX_ROWS["rpps"])
    if not isinstance(output, (str, Path)) or str(output) == "":
        raise SegurKgError(f"the synthetic {kind} file needs an output path")
    path = Path(output)
    if path.suffix.lower() == ".zip" and kind == "finess":
        raise SegurKgError(f"{path}: the FINESS file is published as plain CSV, not zipped; "
                           "name the output .csv")
    if path.is_dir():
        raise SegurKgError(f"{path}: is a folder; give a file name for the synthetic {kind} file")
    if not path.parent.is_dir():
        raise SegurKgError(f"{path}: the folder {path.parent} does not exist; create it or "
                           "choose another path")
    return path


def _whole(value: object, name: str, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise SegurKgError(f"{name} must be a whole number, not {value!r}")
    if not low <= value <= high:
        raise SegurKgError(f"{name} {value} is out of range; give a number from {low:,} to "
                           f"{high:,}")


def _zip_member(name: str) -> zipfile.ZipInfo:
    """A ZIP entry with a fixed date and attributes, so that the archive's bytes depend on the
    content only."""
    member = zipfile.ZipInfo(name, date_time=(2026, 11, 1, 0, 0, 0))
    member.compress_type = zipfile.ZIP_DEFLATED
    member.create_system = 3
    member.external_attr = 0o100644 << 16
    return member


def _zipped(raw: BinaryIO, kind: str, rows: int,
            writer: Callable[[BinaryIO], dict[str, object]]) -> dict[str, object]:
    """The text file inside a ZIP, as the ANS extraction service delivers it."""
    with zipfile.ZipFile(raw, "w", compresslevel=6) as archive:
        with archive.open(_zip_member(FILE_NAMES[kind]), "w",
                          force_zip64=rows > 1_000_000) as stream:
            summary = writer(stream)  # type: ignore[arg-type]
    summary["member"] = FILE_NAMES[kind]
    return summary


def zip_file(source: Path, output: Path, member: str | None = None) -> Path:
    """Zip one file as the ANS extraction service delivers its extracts: a ZIP holding the text
    file under `member` (the source's name unless told). The same source gives the same bytes.
    Tests build their ZIP fixtures with it, so that no archive is kept in the repository."""
    from segur_kg.common.atomic import open_atomic_bytes

    with open_atomic_bytes(output) as raw, zipfile.ZipFile(raw, "w", compresslevel=6) as archive:
        with archive.open(_zip_member(member or source.name), "w",
                          force_zip64=source.stat().st_size > 1 << 30) as stream, \
                source.open("rb") as text:
            shutil.copyfileobj(text, stream, 1 << 20)
    return output


class _Lines:
    """Joins lines and writes them in large encoded blocks."""

    def __init__(self, stream: BinaryIO, encoding: str) -> None:
        self._stream = stream
        self._encoding = encoding
        self._lines: list[str] = []
        self.count = 0

    def add(self, line: str) -> None:
        self._lines.append(line)
        if len(self._lines) >= 8192:
            self.flush()

    def flush(self) -> None:
        if self._lines:
            self._lines.append("")
            self._stream.write("\n".join(self._lines).encode(self._encoding))
            self.count += len(self._lines) - 1
            self._lines = []


# --- seeds, keys and permutations ------------------------------------------------------------

# Streams of per-index generators: each index of each stream has its own random.Random.
_ESTABLISHMENT, _DEPARTMENT, _BLOCK, _OVERSEAS_BLOCK, _PERSON, _MAILBOXES = range(1, 7)


def _key(seed: int, stream: int, index: int) -> int:
    return (seed << 72) | (stream << 64) | index


class _Keys:
    """Constants drawn once per seed: permutation multipliers and offsets for identifiers, the
    slot of overseas establishments, the table of activity counts."""

    def __init__(self, seed: int) -> None:
        rng = random.Random(_key(seed, 0, 0))

        def unit(modulus: int) -> int:  # a multiplier coprime to the modulus: a bijection
            while True:
                value = rng.randrange(modulus // 3, modulus)
                if math.gcd(value, modulus) == 1:
                    return value

        self.a7, self.b7 = unit(5_000_000), rng.randrange(5_000_000)
        self.c7, self.d7 = unit(5_000_000), rng.randrange(5_000_000)
        self.a5, self.b5 = unit(50_000), rng.randrange(50_000)
        self.c5, self.d5 = unit(50_000), rng.randrange(50_000)
        self.rpps_a, self.rpps_b = unit(10**9), rng.randrange(10**9)
        self.adeli_a, self.adeli_b = unit(10**7), rng.randrange(10**7)
        self.siren_a, self.siren_b = unit(10**8), rng.randrange(10**8)
        self.liberal_a, self.liberal_b = unit(10**8), rng.randrange(10**8)
        self.overseas_slot = rng.randrange(32)
        counts = [count for count, _share in _ACTIVITY_COUNTS]
        weights = list(itertools.accumulate(share for _count, share in _ACTIVITY_COUNTS))
        self.activities = tuple(rng.choices(counts, cum_weights=weights, k=1024))
        self.activity_offset = rng.randrange(1024)
        self.org_offset = rng.randrange(ORG_SHARE[1])

    def is_overseas(self, i: int) -> bool:
        return i % 32 == self.overseas_slot

    def activity_count(self, p: int) -> int:
        return self.activities[(p * 37 + self.activity_offset) % 1024]


@functools.lru_cache(maxsize=16)
def _keys(seed: int) -> _Keys:
    return _Keys(seed)


def _below(rng: random.Random, n: int) -> int:
    """A whole number from 0 to n - 1: random() scaled, faster than randrange in the hot loops
    (n is far below 2**53, so every value stays reachable)."""
    return int(rng.random() * n)


def _between(rng: random.Random, low: int, high: int) -> int:
    return low + int(rng.random() * (high - low))


def _pick(rng: random.Random, items: Sequence[str], cumulative: Sequence[float]) -> str:
    return items[bisect.bisect(cumulative, rng.random() * cumulative[-1])]


_METRO_CUMULATIVE = tuple(itertools.accumulate(_METRO_WEIGHTS))
_OVERSEAS_CUMULATIVE = tuple(itertools.accumulate(_OVERSEAS_WEIGHTS))
_CATEGORY_CODES = tuple(row[0] for row in CATEGORIES)
_CATEGORY_CUMULATIVE = tuple(itertools.accumulate(row[6] for row in CATEGORIES))
_PROFESSION_CODES = tuple(row[0] for row in PROFESSIONS)
_PROFESSION_CUMULATIVE = tuple(itertools.accumulate(row[3] for row in PROFESSIONS))
_PROFESSION = {row[0]: row for row in PROFESSIONS}
_PROFESSIONAL_CATEGORY_CODES = tuple(row[0] for row in PROFESSIONAL_CATEGORIES)
_PROFESSIONAL_CATEGORY_CUMULATIVE = tuple(itertools.accumulate(
    row[2] for row in PROFESSIONAL_CATEGORIES))
_PROFESSIONAL_CATEGORY = {row[0]: row[1] for row in PROFESSIONAL_CATEGORIES}


# --- establishments -------------------------------------------------------------------------
# Establishments come in blocks of 32 lines: one slot per block (drawn per seed) is overseas,
# the 31 others metropolitan. Within a block the metropolitan ETs are split into groups of
# consecutive lines, overseas ETs into groups within runs of 8 overseas lines; each group is one
# legal entity, named after its first ET (the anchor), whose département the others mostly share.

_GROUP_SIZES = (1, 2, 3, 4, 6)
_GROUP_CUMULATIVE = tuple(itertools.accumulate((62.0, 20.0, 10.0, 5.0, 3.0)))


def _partition(rng: random.Random, length: int) -> list[int]:
    """The offset of the first member of each member's group, for `length` members."""
    anchors: list[int] = []
    while len(anchors) < length:
        size = _GROUP_SIZES[bisect.bisect(_GROUP_CUMULATIVE, rng.random() * _GROUP_CUMULATIVE[-1])]
        start = len(anchors)
        anchors.extend([start] * min(size, length - start))
    return anchors


@functools.lru_cache(maxsize=4096)
def _block(seed: int, stream: int, block: int, length: int) -> tuple[int, ...]:
    return tuple(_partition(random.Random(_key(seed, stream, block)), length))


def _anchor(seed: int, i: int) -> int:
    """The first ET of the legal entity of ET `i` (itself when it stands alone)."""
    keys = _keys(seed)
    slot = keys.overseas_slot
    if keys.is_overseas(i):
        k = i // 32
        offset = _block(seed, _OVERSEAS_BLOCK, k // 8, 8)[k % 8]
        return (k - k % 8 + offset) * 32 + slot
    block, position = divmod(i, 32)
    metro_position = position - (position > slot)
    first = _block(seed, _BLOCK, block, 31)[metro_position]
    return block * 32 + first + (first >= slot)


@functools.lru_cache(maxsize=1024)
def _own_department(seed: int, i: int) -> tuple[str, float]:
    rng = random.Random(_key(seed, _DEPARTMENT, i))
    if _keys(seed).is_overseas(i):
        code = _pick(rng, _OVERSEAS_CODES, _OVERSEAS_CUMULATIVE)
    else:
        code = _pick(rng, _METRO, _METRO_CUMULATIVE)
    return code, rng.random()


def _department(seed: int, i: int) -> str:
    """The FINESS département code of ET `i`: its anchor's, or (one time in ten) its own."""
    own, chance = _own_department(seed, i)
    anchor = _anchor(seed, i)
    if anchor == i or chance < 0.1:
        return own
    return _own_department(seed, anchor)[0]


def _et_number(keys: _Keys, i: int, department: str) -> str:
    if keys.is_overseas(i):
        return OVERSEAS[department][1] + f"{(i // 32 * keys.a5 + keys.b5) % 50_000:05d}"
    return department + f"{(i * keys.a7 + keys.b7) % 5_000_000:07d}"


def _ej_number(keys: _Keys, anchor: int, department: str) -> str:
    if keys.is_overseas(anchor):
        suffix = 50_000 + (anchor // 32 * keys.c5 + keys.d5) % 50_000
        return OVERSEAS[department][1] + f"{suffix:05d}"
    return department + f"{5_000_000 + (anchor * keys.c7 + keys.d7) % 5_000_000:07d}"


def _finess_label(department: str) -> str:
    if department in _FINESS_OVERSEAS_LABELS:
        return _FINESS_OVERSEAS_LABELS[department]
    plain = unicodedata.normalize("NFKD", DEPARTMENTS[department]).encode("ascii", "ignore")
    return plain.decode().upper().replace("-", " ")


def nos_department(department: str) -> str:
    """The NOS TRE_G09 code of a FINESS département code (9A → 971, 01 → 01)."""
    return OVERSEAS[department][0] if department in OVERSEAS else department


class Establishment:
    """One FINESS establishment (ET) of the synthetic file, a pure function of (seed, i)."""

    __slots__ = ("anchor", "category", "commune", "complrs", "dateautor", "datemaj", "dateouv",
                 "department", "ej", "fax", "index", "insee", "lieuditbp", "number", "numvoie",
                 "phone", "postal", "rs", "rslongue", "siret", "town", "typvoie", "voie", "x",
                 "y")

    def __init__(self, seed: int, i: int) -> None:
        keys = _keys(seed)
        self.index = i
        anchor = self.anchor = _anchor(seed, i)
        own, chance = _own_department(seed, i)
        anchor_department = own if anchor == i else _own_department(seed, anchor)[0]
        department = self.department = (own if anchor == i or chance < 0.1
                                        else anchor_department)
        self.number = _et_number(keys, i, department)
        self.ej = _ej_number(keys, anchor, anchor_department)
        rng = random.Random(_key(seed, _ESTABLISHMENT, i))
        code = self.category = _pick(rng, _CATEGORY_CODES, _CATEGORY_CUMULATIVE)
        row = _CATEGORY[code]
        n = i + 1
        self.rslongue = row[7].format(n=n)
        self.rs = row[8].format(n=n)
        # A few establishments have a ';' in a name complement: the line quotes that field.
        self.complrs = (f"BÂTIMENT {'ABCD'[_below(rng, 4)]}; AILE {_between(rng, 1, 4)}"
                        if rng.random() < 0.02 else "")
        self.numvoie = str(_between(rng, 1, 300)) if rng.random() < 0.85 else ""
        street_type, _label = _STREET_TYPES[_below(rng, len(_STREET_TYPES))]
        self.typvoie = street_type
        self.voie = _STREETS[_below(rng, len(_STREETS))]
        self.lieuditbp = f"BP {_between(rng, 1, 999)}" if rng.random() < 0.1 else ""
        if department in OVERSEAS:
            _nos, _prefix, insee, postal, _weight, _source = OVERSEAS[department]
            self.commune = insee[2] + f"{_between(rng, 1, 100):02d}"
            self.insee = insee[:2] + self.commune
            self.postal = postal + f"{_between(rng, 0, 100):02d}"
            self.town = f"COMMUNE SYNTHETIQUE {self.insee}"
            if department == "9A" and rng.random() < 0.2:
                self.commune, self.postal, self.town = _GUADELOUPE_COLLECTIVITIES[
                    _below(rng, 2)]
                self.insee = "97" + self.commune
        else:
            self.commune = f"{_between(rng, 1, 700):03d}"
            self.insee = department + self.commune
            if department == "2A":  # Corsican postal codes start with 20
                self.postal = f"20{_between(rng, 0, 190):03d}"
            elif department == "2B":
                self.postal = f"20{_between(rng, 200, 700):03d}"
            else:
                self.postal = department + f"{_between(rng, 0, 1000):03d}"
            self.town = f"COMMUNE SYNTHETIQUE {self.insee}"
        self.phone = f"0{_between(rng, 1, 6)}99{_below(rng, 10**6):06d}"
        self.fax = f"0{_between(rng, 1, 6)}98{_below(rng, 10**6):06d}" if rng.random() < 0.5 else ""
        if rng.random() < 0.8:
            siren = f"8{(self.anchor * keys.siren_a + keys.siren_b) % 10**8:08d}"
            self.siret = siren + f"{i - self.anchor + 1:05d}"
        else:
            self.siret = ""
        opened = 1950 * 365 + _between(rng, 0, 75 * 365)
        self.dateouv = _date(opened)
        self.dateautor = _date(opened - _between(rng, 0, 400))
        self.datemaj = _date(max(opened, 2015 * 365 + _between(rng, 0, 11 * 365)))
        box = _BOXES.get(department, _BOXES["metro"])
        self.x = rng.uniform(box[0], box[1])
        self.y = rng.uniform(box[2], box[3])

    @property
    def name(self) -> str:
        return self.rslongue or self.rs

    @property
    def nos_department(self) -> str:
        return nos_department(self.department)

    def finess_line(self) -> str:
        row = _CATEGORY[self.category]
        mft, libmft, sph, libsph = row[4]
        fields = (
            "structureet", self.number, self.ej, self.rs, self.rslongue, self.complrs, "",
            self.numvoie, self.typvoie, self.voie, "", self.lieuditbp, self.commune,
            self.department, _finess_label(self.department), f"{self.postal} {self.town}",
            self.phone, self.fax, self.category, row[1], row[2], row[3], self.siret, row[5], mft,
            libmft, sph, libsph, self.dateouv, self.dateautor, self.datemaj, "",
        )
        return ";".join(_csv(field) for field in fields)

    def geolocation_line(self) -> str:
        if self.department in OVERSEAS:
            source = f"2,ATLASANTE,96,BAN,{OVERSEAS[self.department][5]}"
        else:
            source = f"1,ATLASANTE,96,BAN,{_METRO_SOURCE}"
        precision = 5 if self.department == "9J" else 1
        return (f"geolocalisation;{self.number};{self.x:.{precision}f};{self.y:.{precision}f};"
                f"{source};{self.datemaj}")


def establishment(seed: int, i: int) -> Establishment:
    """ET `i` (0-based line) of the FINESS file of `seed`, with all its fields."""
    return Establishment(seed, i)


def _date(days: int) -> str:
    """A date from a made-up day count (years of 365 days, months of 28 days: always valid)."""
    year, day = divmod(days, 365)
    month, day = divmod(day % 336, 28)
    return f"{year:04d}-{month + 1:02d}-{day + 1:02d}"


def _csv(field: str) -> str:
    if ";" in field or '"' in field:
        return '"' + field.replace('"', '""') + '"'
    return field


def _write_finess(rows: int, seed: int, raw: BinaryIO) -> dict[str, object]:
    lines = _Lines(raw, ENCODINGS["finess"])
    number = random.Random(_key(seed, 0, 1)).randrange(80, 130)
    lines.add(f"finess;etalab;{number};{EXTRACT_DATE}")
    legal_entities = overseas = 0
    departments: set[str] = set()
    # The geolocalisation lines come after all the establishments: they wait in a temporary
    # file (in memory up to 16 MB), not in a list.
    with tempfile.SpooledTemporaryFile(max_size=16 << 20) as spool:
        geolocations = _Lines(spool, ENCODINGS["finess"])  # type: ignore[arg-type]
        for i in range(rows):
            et = Establishment(seed, i)
            lines.add(et.finess_line())
            geolocations.add(et.geolocation_line())
            legal_entities += et.anchor == i
            overseas += et.department in OVERSEAS
            departments.add(et.department)
        lines.flush()
        geolocations.flush()
        spool.seek(0)
        shutil.copyfileobj(spool, raw, 1 << 20)  # type: ignore[misc]
        lines.count += geolocations.count
    return {"lines": lines.count, "establishments": rows, "legal_entities": legal_entities,
            "geolocations": rows, "overseas_establishments": overseas,
            "departments": len(departments)}


# --- persons and their activities -----------------------------------------------------------


def _syllables(rng: random.Random, count: int) -> str:
    """`count` syllables from one draw."""
    n = len(_SYLLABLES)
    draw = int(rng.random() * n**count)
    text = ""
    for _ in range(count):
        draw, index = divmod(draw, n)
        text += _SYLLABLES[index]
    return text


def _identity(keys: _Keys, rng: random.Random, p: int) -> tuple[str, str, str, str]:
    """(type, identifier, national identifier, profession code): the first draws of person p."""
    profession = _pick(rng, _PROFESSION_CODES, _PROFESSION_CUMULATIVE)
    if rng.random() < _PROFESSION[profession][2]:
        identifier = f"19{(p * keys.rpps_a + keys.rpps_b) % 10**9:09d}"
        kind = "8"
    else:
        identifier = f"99{(p * keys.adeli_a + keys.adeli_b) % 10**7:07d}"
        kind = "0"
    return kind, identifier, kind + identifier, profession


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


class _Sites:
    """The establishments of the FINESS file persons work in: per ET a ready-made piece of the
    activity line (and of the mailbox line), and the ETs of each category."""

    def __init__(self, seed: int, rows: int, *, rpps: bool) -> None:
        self.rows = rows
        self.numbers: list[str] = []
        self.chunks: list[str] = []
        by_category: dict[str, list[int]] = {}
        for j in range(rows):
            et = Establishment(seed, j)
            self.numbers.append(et.number)
            by_category.setdefault(et.category, []).append(j)
            self.chunks.append(_rpps_site(et) if rpps else _mssante_structure(et))
        self.by_category = by_category
        self._profession_sites: dict[str, tuple[list[int], ...]] = {}

    def choose(self, rng: random.Random, profession: str) -> int:
        """An ET for a salaried activity: one of the profession's categories, any ET if the file
        has none of them."""
        pools = self._profession_sites.get(profession)
        if pools is None:
            pools = tuple(self.by_category[code] for code in _PROFESSION[profession][4]
                          if code in self.by_category)
            self._profession_sites[profession] = pools
        if not pools:
            return _below(rng, self.rows)
        pool = pools[_below(rng, len(pools))]
        return pool[_below(rng, len(pool))]


def _rpps_site(et: Establishment) -> str:
    """Columns "Numéro SIRET site" to "Libellé secteur d'activité" for a site in ET `et`."""
    street_label = dict(_STREET_TYPES)[et.typvoie]
    sector = _CATEGORY[et.category][9]
    nos = et.nos_department
    return "|".join((
        et.siret, et.siret[:9], et.number, et.ej, "", et.name, "", "", et.complrs.replace(";", ","),
        et.numvoie, "", et.typvoie, street_label, et.voie, et.lieuditbp, "", et.postal, et.insee,
        et.town, "", "", et.phone, "", et.fax, "", nos, DEPARTMENTS[nos], "", "", sector,
        SECTORS[sector],
    ))


def _mssante_structure(et: Establishment) -> str:
    """Columns "Raison Sociale structure BAL" to "Pays" of a mailbox line for ET `et`."""
    return "|".join((
        et.name, "", "", "", et.numvoie, "", et.typvoie, et.voie, et.lieuditbp,
        f"{et.postal} {et.town}", et.postal, et.nos_department, "",
    ))


class _Person:
    __slots__ = ("civility", "exercise_civility", "category", "family", "given", "kind",
                 "identifier", "national", "profession", "activities")

    def __init__(self, seed: int, p: int, sites: _Sites) -> None:
        keys = _keys(seed)
        rng = random.Random(_key(seed, _PERSON, p))
        self.kind, self.identifier, self.national, self.profession = _identity(keys, rng, p)
        self.civility = ("M", "Monsieur") if rng.random() < 0.45 else ("MME", "Madame")
        self.exercise_civility = ("DR", "Docteur") if self.profession in _DOCTORS else ("", "")
        self.family = _syllables(rng, 2 + (rng.random() < 0.4)).upper() + "-FICTIF"
        self.given = _syllables(rng, 2).capitalize()
        self.category = _pick(rng, _PROFESSIONAL_CATEGORY_CODES,
                              _PROFESSIONAL_CATEGORY_CUMULATIVE)
        liberal_share = _PROFESSION[self.profession][5]
        activities: list[tuple[str, object]] = []
        for a in range(keys.activity_count(p)):
            draw = rng.random()
            if draw < liberal_share:
                activities.append(("L", _liberal_site(keys, rng, p, a, self.family)))
            else:
                mode = "B" if draw > 0.985 else "S"
                activities.append((mode, sites.choose(rng, self.profession)))
        self.activities = activities

    def head(self) -> str:
        """Columns "Type d'identifiant PP" to "Libellé catégorie professionnelle"."""
        return "|".join((
            self.kind, self.identifier, self.national, self.exercise_civility[0],
            self.exercise_civility[1], self.civility[0], self.civility[1], self.family,
            self.given, self.profession, _PROFESSION[self.profession][1], self.category,
            _PROFESSIONAL_CATEGORY[self.category],
        ))


def _liberal_site(keys: _Keys, rng: random.Random, p: int, a: int, family: str) -> tuple[str, ...]:
    """A liberal practice: columns "Numéro SIRET site" to "Libellé secteur d'activité", plus the
    site's kind for the summary. A société d'exercice has a SIRET; a cabinet has only a technical
    identifier (ANS FAQ: SIRETs are given for sociétés d'exercice and for employers outside
    FINESS, https://esante.gouv.fr/foire-aux-questions/produits-services/annuaire-sante)."""
    serial = ((p * 3 + a) * keys.liberal_a + keys.liberal_b) % 10**8
    society = rng.random() < 0.4
    if society:
        siren = f"9{serial:08d}"
        siret, technical = siren + "00017", ""
        name, sector = f"SELARL SYNTHÉTIQUE {serial}", "SA09"
    else:
        siren = siret = ""
        technical = f"TS{serial:010d}"
        name = f"CABINET {family}"
        sector = "SA07" if rng.random() < 0.7 else "SA08"
    draw, street_type_index = divmod(_below(rng, 199 * len(_STREETS) * len(_STREET_TYPES)),
                                     len(_STREET_TYPES))
    number, street_index = divmod(draw, len(_STREETS))
    street_type, street_label = _STREET_TYPES[street_type_index]
    street = _STREETS[street_index]
    number = str(number + 1)
    phone = f"0199{_below(rng, 10**6):06d}"
    email = f"cabinet.{serial}@example.invalid" if rng.random() < 0.3 else ""
    place = rng.random()
    if place < 0.003:  # abroad: a country, no French département
        country, country_label, postal = _ABROAD[_below(rng, len(_ABROAD))]
        where = "abroad"
        columns = (postal, "", "VILLE SYNTHÉTIQUE", country, country_label, phone, "", "", email,
                   "", "")
    else:
        if rng.random() < 0.03:
            department = _pick(rng, _OVERSEAS_CODES, _OVERSEAS_CUMULATIVE)
            nos = OVERSEAS[department][0]
            commune, code = divmod(_below(rng, 49 * 100), 100)
            postal = OVERSEAS[department][3] + f"{code:02d}"
            insee = nos + f"{commune + 1:02d}"
        else:
            nos = _pick(rng, _METRO, _METRO_CUMULATIVE)
            commune, code = divmod(_below(rng, 699 * 1000), 1000)
            postal = ("20" if nos in ("2A", "2B") else nos) + f"{code:03d}"
            insee = nos + f"{commune + 1:03d}"
        town = f"COMMUNE SYNTHETIQUE {insee}"
        if place > 0.98:  # the département left empty, the postal code set
            where = "no-department"
            columns = (postal, insee, town, "", "", phone, "", "", email, "", "")
        else:
            where = "france"
            columns = (postal, insee, town, "", "", phone, "", "", email, nos, DEPARTMENTS[nos])
    chunk = "|".join((siret, siren, "", "", technical, name, "", "", "", number, "", street_type,
                      street_label, street, "", "", *columns, "", "", sector, SECTORS[sector]))
    return chunk, where, (STRUCTURE_SIRET + siret) if siret else "", name, postal


def _write_rpps(rows: int, seed: int, finess_rows: int, raw: BinaryIO) -> dict[str, object]:
    sites = _Sites(seed, finess_rows, rpps=True)
    lines = _Lines(raw, ENCODINGS["rpps"])
    lines.add(RPPS_HEADER)
    written = persons = rpps = at_finess = liberal = abroad = no_department = 0
    for p in itertools.count():
        if written >= rows:
            break
        person = _Person(seed, p, sites)
        persons += 1
        rpps += person.kind == "8"
        head = person.head()
        for mode, site in person.activities[:rows - written]:
            if mode == "L":
                assert isinstance(site, tuple)
                chunk, where = site[0], site[1]
                liberal += 1
                abroad += where == "abroad"
                no_department += where == "no-department"
            else:
                assert isinstance(site, int)
                chunk = sites.chunks[site]
                at_finess += 1
            lines.add(f"{head}|||||{mode}|{MODES[mode]}|{chunk}|||")
            written += 1
    lines.flush()
    return {"lines": lines.count, "persons": persons, "rpps_persons": rpps,
            "adeli_persons": persons - rpps, "activities": written,
            "activities_at_finess_sites": at_finess, "liberal_activities": liberal,
            "sites_abroad": abroad, "sites_without_department": no_department,
            "finess_rows": finess_rows}


# --- mailboxes ------------------------------------------------------------------------------


def _step(modulus: int, start: int) -> int:
    """A stride coprime to `modulus`: walking by it visits every index once per round."""
    step = start % modulus or 1
    while math.gcd(step, modulus) != 1:
        step += 1
    return step


def _personal_domain(profession: str) -> int:
    if profession in ("10", "40", "50"):
        return 0
    return 1 if profession == "21" else 2


def _write_mssante(rows: int, seed: int, rpps_rows: int, finess_rows: int,
                   raw: BinaryIO) -> dict[str, object]:
    keys = _keys(seed)
    sites = _Sites(seed, finess_rows, rpps=False)
    persons = rpps_person_count(seed, rpps_rows)
    rng = random.Random(_key(seed, _MAILBOXES, 0))
    duplicates = max(1, rows * DUPLICATE_SHARE[0] // DUPLICATE_SHARE[1]) if rows >= 2 else 0
    repeated = set(rng.sample(range(1, rows), duplicates)) if duplicates else set()
    person_step = _step(persons, 7_919 + rng.randrange(persons))
    person_offset = rng.randrange(persons)
    org_step = _step(finess_rows, 104_729 + rng.randrange(finess_rows))
    org_offset = rng.randrange(finess_rows)
    lines = _Lines(raw, ENCODINGS["mssante"])
    lines.add(MSSANTE_HEADER)
    holders = org = per = 0
    previous: list[str] = []
    last: tuple[_Person, int, int, int] | None = None  # person, index, first domain, mailboxes
    for k in range(rows):
        if k in repeated:
            # The same address on a second line: the same holder, without the structure of a
            # personal mailbox or the service of an organisational one.
            if previous[0] == "ORG":
                fields = previous[:7] + [""] * 11 + previous[18:]
                org += 1
            else:
                fields = previous[:5] + [""] * 3 + previous[8:18] + [""] * 13
                per += 1
        elif (k * 7 + keys.org_offset) % ORG_SHARE[1] < ORG_SHARE[0]:
            j = (org * org_step + org_offset) % finess_rows
            service_round, service = divmod(org // finess_rows, len(_SERVICES))
            slug, label = _SERVICES[service]
            number = sites.numbers[j]
            domain = f"ets-fictif-{number[:2].lower()}.mssante.fr"
            fields = ["ORG", f"{slug}{service_round or ''}.{number}@{domain}", "", "", "",
                      STRUCTURE_FINESS, STRUCTURE_FINESS + number, label, *[""] * 10,
                      *sites.chunks[j].split("|")]
            org += 1
            previous = fields
        else:
            if last is not None and last[3] < len(PERSONAL_DOMAINS) and rng.random() < 0.06:
                person, p, first_domain, count = last  # another mailbox of the same person
            else:
                p = (holders * person_step + person_offset) % persons
                person, count = _Person(seed, p, sites), 0
                # The profession's operator, or (three times in ten) a general one.
                general = rng.random()
                first_domain = (_personal_domain(person.profession) if general >= 0.3
                                else 3 + (general < 0.15))
                holders += 1
            last = (person, p, first_domain, count + 1)
            domain = PERSONAL_DOMAINS[(first_domain + count) % len(PERSONAL_DOMAINS)]
            rounds = (holders - 1) // persons  # past one mailbox per person: a second round
            local = (f"{_ascii(person.given).lower()}.{_ascii(person.family).lower()}"
                     f".{_base36(p)}" + (f"-{rounds}" if rounds else ""))
            mode, site = person.activities[0]
            if mode == "L":
                assert isinstance(site, tuple)
                structure = [STRUCTURE_SIRET if site[2] else "", site[2], "",
                             *_person_columns(person), site[3], *[""] * 9, site[4], "", ""]
            else:
                assert isinstance(site, int)
                structure = [STRUCTURE_FINESS, STRUCTURE_FINESS + sites.numbers[site], "",
                             *_person_columns(person), *sites.chunks[site].split("|")]
            fields = ["PER", f"{local}@{domain}", person.kind, person.identifier,
                      person.national, *structure]
            per += 1
            previous = fields
        lines.add("|".join(fields))
    lines.flush()
    return {"lines": lines.count, "mailboxes": rows, "personal": per, "organisational": org,
            "duplicated_addresses": len(repeated), "holders": holders,
            "persons_in_rpps": persons, "rpps_rows": rpps_rows, "finess_rows": finess_rows}


def _person_columns(person: _Person) -> list[str]:
    """Columns "Civilité d'exercice" to "Dématérialisation" of a personal mailbox."""
    return [person.exercise_civility[0], person.family, person.given, person.category,
            _PROFESSIONAL_CATEGORY[person.category], person.profession,
            _PROFESSION[person.profession][1], "", "", ""]


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    text = ""
    while True:
        number, digit = divmod(number, 36)
        text = digits[digit] + text
        if number == 0:
            return text

