"""MSSanté mailboxes from the directory extract Extraction_Correspondance_MSSante (ANS, Licence
Ouverte 2.0): `|`-separated, a header, one line per mailbox, some addresses on several lines
(the address is the key: the first line wins, the others are counted).

Each mailbox becomes a segur:MssanteMailbox with its kind (the graph's personal, organisational
and application kinds), its holder (the professional, by national identifier, for a personal
mailbox; the structure for an organisational one) and its operator's domain. An organisational
mailbox keeps its address. A personal address names a person: it is written only with
`include_personal_data`, and the mailbox is named after its holder instead
(…/professional/{id}/mailbox/{n}, n counting the holder's addresses in sorted order), which is
why personal mailboxes are written at the end, once every address of a holder is known.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING
from urllib.parse import quote

from segur_kg.sources.registries import reading
from segur_kg.sources.registries.codes import ID, RDF_TYPE, iri, term, text
from segur_kg.sources.registries.finess import FINESS_NUMBER, establishment_iri, legal_entity_iri
from segur_kg.sources.registries.reading import Source
from segur_kg.sources.registries.report import ImportReport
from segur_kg.sources.registries.rpps import NATIONAL_ID_FORM, PROFESSIONAL

if TYPE_CHECKING:
    from segur_kg.sources.registries.figures import Records

KIND = "Type de BAL"
ADDRESS = "Adresse BAL"
NATIONAL_ID = "Identification nationale PP"
TYPE_PP = "Type Identifiant PP"
ID_PP = "Identifiant PP"
STRUCTURE_TYPE = "Type identifiant structure"
STRUCTURE_ID = "Identification Structure"
REQUIRED = (KIND, ADDRESS, NATIONAL_ID, STRUCTURE_TYPE, STRUCTURE_ID)
USED = (*REQUIRED, TYPE_PP, ID_PP)  # the last two read when the header has them
KINDS = {
    "PER": f"{ID}mailbox-kind/personnelle",
    "ORG": f"{ID}mailbox-kind/organisationnelle",
    "APP": f"{ID}mailbox-kind/applicative",
}
# NOS TRE_G07 structure identifier types that name a FINESS site (1 FINESS, 6 FINESS EG) or a
# legal entity (5 FINESS EJ).
FINESS_SITE_TYPES, FINESS_ENTITY_TYPES = {"1", "6"}, {"5"}
ADDRESS_FORM = re.compile(r"[^@\s|]+@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)")
DATASET = f"{ID}dataset/mssante"
ORG_ORGANIZATION = "<http://www.w3.org/ns/org#Organization>"
MAILBOX = f"{ID}mailbox/"
BATCH = 2048  # personal mailboxes joined into one piece of output
P_ADDRESS, P_HOLDER = term("mailboxAddress"), term("mailboxHolder")
P_DOMAIN = term("operatorDomain")
# Triple endings that do not depend on the line.
IS_MAILBOX = f" {RDF_TYPE} {term('MssanteMailbox')} .\n"
KIND_ENDS = {kind: f" {term('hasMailboxKind')} <{concept}> .\n" for kind, concept in KINDS.items()}
FROM_SOURCE = f" <http://purl.org/dc/terms/source> {iri(DATASET)} .\n"


def looks_like(header: str) -> bool:
    return KIND in header.split("|") and ADDRESS in header.split("|")


class MssanteReader:
    def __init__(self, report: ImportReport, include_personal_data: bool = False) -> None:
        self.name = ""  # the file being read, for messages
        self.report = report
        self.personal = include_personal_data
        # each address read, lower-cased: a later line with the same one is skipped
        self._addresses: set[str] = set()
        # operator domain as written → its literal, lower-cased: a few hundred domains for
        # half a million mailboxes, each made once
        self._domains: dict[str, str] = {}
        # "holder id NUL address": one string each sorts as the pairs would (NUL sorts before
        # any character of an identifier), and faster
        self._personal: list[str] = []
        self.written = 0  # triples
        self.records: Records | None = None  # where an import into a store notes each one

    def triples(self, source: Source) -> Iterator[str]:
        self.name = source.name
        return reading.columns_by_name(source, self.report, required=REQUIRED, used=USED,
                                       expected="Extraction_Correspondance_MSSante",
                                       handle=self._handler())

    def _handler(self) -> Callable[..., str]:
        """The function that makes one line's triples (an organisational or application
        mailbox; a personal one is kept for the end, see finish, and "" returned for it).
        Half a million lines go through it: what it uses is bound to local names."""
        report, addresses, personal = self.report, self._addresses, self._personal
        is_address, is_national = ADDRESS_FORM.fullmatch, NATIONAL_ID_FORM.fullmatch
        skip, resources, notes = report.skip, report.resources, report.notes
        structure_of, domains = self._structure, self._domains

        def mailbox_triples(number: int, kind: str, address: str, national: str,
                            structure_type: str, structure_id: str, type_pp: str,
                            id_pp: str) -> str:
            match = is_address(address)
            if not match:
                report.malformed(self.name, number,
                                 "the mailbox address is not an e-mail address")
                return ""
            lowered = address.lower()
            if lowered in addresses:
                skip("address already read on an earlier line")
                return ""
            addresses.add(lowered)
            if kind == "PER":
                national = national or (type_pp + id_pp)
                if not is_national(national):
                    skip("personal mailbox without its holder's identifier")
                    return ""
                personal.append(f"{national}\0{address}")
                return ""
            end = KIND_ENDS.get(kind)
            if end is None:
                report.unknown(KIND, kind or "(empty)")
                skip("unknown mailbox kind")
                return ""
            domain = match.group(1)
            literal = domains.get(domain)
            if literal is None:
                literal = domains[domain] = text(domain.lower())
            bare = f"{MAILBOX}{quote(lowered, safe='@.-_+')}"
            mailbox = f"<{bare}>"
            out = (f"{mailbox}{IS_MAILBOX}{mailbox}{end}{mailbox} {P_DOMAIN} "
                   f"{literal} .\n{mailbox}{FROM_SOURCE}"
                   f"{mailbox} {P_ADDRESS} {text(address)} .\n")
            count = 5
            holder = structure_of(structure_type, structure_id)
            if self.records is not None:
                self.records.add_mailbox(bare, KINDS[kind], domain.lower(),
                                         holder[0] if holder else None)
            if holder:
                out += f"{mailbox} {P_HOLDER} <{holder[0]}> .\n"
                count += 1
                if holder[1]:
                    out += f"<{holder[0]}> {RDF_TYPE} {ORG_ORGANIZATION} .\n"
                    count += 1
            else:
                notes["organisational mailboxes without a structure"] += 1
            resources[f"{kind} mailboxes"] += 1
            self.written += count
            return out

        return mailbox_triples

    def _structure(self, kind: str, value: str) -> tuple[str, bool] | None:
        """The holder's IRI, and whether it needs a type (a structure that no FINESS names)."""
        if not value:
            return None
        if kind in FINESS_SITE_TYPES | FINESS_ENTITY_TYPES:
            number = value[1:] if len(value) == 10 and value.startswith(kind) else value
            if FINESS_NUMBER.fullmatch(number):
                if kind in FINESS_SITE_TYPES:
                    return establishment_iri(number), False
                return legal_entity_iri(number), False
        if not re.fullmatch(r"[0-9A-Za-z]{1,40}", value) or not re.fullmatch(r"[0-9]{1,2}", kind):
            self.report.unknown(STRUCTURE_ID, f"{kind}:{value[:20]}")
            return None
        return f"{ID}structure/{kind}-{value}", True

    def finish(self) -> Iterator[str]:
        """The personal mailboxes, once every file has been read, in batches of BATCH."""
        self._personal.sort()
        previous, rank = None, 0
        records, personal, domains = self.records, self.personal, self._domains
        ends, batch = KIND_ENDS["PER"], []
        for entry in self._personal:
            national, _, address = entry.partition("\0")
            domain = address.partition("@")[2]  # ADDRESS_FORM allows one @
            literal = domains.get(domain)
            if literal is None:  # keyed by the domain as written: no lower() per mailbox
                literal = domains[domain] = text(domain.lower())
            rank = rank + 1 if national == previous else 1
            previous = national
            holder = PROFESSIONAL + national
            bare = f"{holder}/mailbox/{rank}"
            mailbox = f"<{bare}>"
            if records is not None:
                records.add_mailbox(bare, KINDS["PER"], domain.lower(), holder)
            batch.append(f"{mailbox}{IS_MAILBOX}{mailbox}{ends}{mailbox} {P_DOMAIN} {literal} .\n"
                         f"{mailbox}{FROM_SOURCE}{mailbox} {P_HOLDER} <{holder}> .\n")
            if personal:
                batch.append(f"{mailbox} {P_ADDRESS} {text(address)} .\n")
            if len(batch) >= BATCH:
                yield "".join(batch)
                batch.clear()
        if batch:
            yield "".join(batch)
        count = len(self._personal)
        if count:
            self.report.resources["PER mailboxes"] += count
            self.written += count * (6 if personal else 5)
        self._personal.clear()
