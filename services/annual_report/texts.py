"""The annual report's words in Norwegian bokmål and Swedish, chosen by the
body's country; dates, numbers and country names come from Babel (CLDR)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from types import MappingProxyType

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_decimal

from domain.coordination import HIGH_RISK_CATEGORIES
from domain.enums import AuditReportType, Requirement

LOCALES: Mapping[str, str] = MappingProxyType({"NO": "nb_NO", "SE": "sv_SE"})
DEFAULT_LOCALE = "nb_NO"


def locale_for(country: str) -> str:
    """Swedish for Swedish bodies, Norwegian bokmål for everyone else."""
    return LOCALES.get(country.upper(), DEFAULT_LOCALE)


_TEXTS: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {
        "nb_NO": {
            "title": "Årsrapport {year}: oppfølging av leverandørkjeder",
            "subtitle": "Vedlegg til redegjørelsen etter åpenhetsloven",
            "body": "Virksomhet",
            "period": "Periode",
            "made": "Laget",
            "intro": (
                "Tallene bygger bare på det virksomheten har tilgang til i kjede: egne "
                "kontrakter, egne revisjoner og resultater andre har delt med den. "
                "Konfidensielle opplysninger er ikke tatt med."
            ),
            "summary": "Sammendrag",
            "contracts_high_risk": "Kontrakter i høyrisikokategorier",
            "self_reports": "Egenrapporteringer mottatt",
            "audits_done": "Revisjoner og inspeksjoner gjennomført",
            "audits_commissioned": "herav bestilt av virksomheten",
            "audits_shared": "herav delt med virksomheten",
            "findings_total": "Avvik funnet",
            "actions_closed": "Korrigerende tiltak lukket",
            "contracts_heading": "Kontrakter i høyrisikokategorier (DFØs liste)",
            "category": "Produktkategori",
            "count": "Antall",
            "audits_heading": "Revisjoner etter type",
            "type": "Type",
            "findings_heading": "Avvik etter ILO-konvensjon og land",
            "requirement": "Krav",
            "country": "Land",
            "findings_chart": "Avvik etter krav",
            "countries_chart": "Avvik etter land",
            "none": "Ingen i perioden.",
            "total": "Sum",
        },
        "sv_SE": {
            "title": "Årsrapport {year}: uppföljning av leverantörskedjor",
            "subtitle": "Bilaga till redogörelsen om hållbarhet i leverantörskedjan",
            "body": "Organisation",
            "period": "Period",
            "made": "Skapad",
            "intro": (
                "Siffrorna bygger bara på det organisationen har tillgång till i kjede: "
                "egna avtal, egna granskningar och resultat som andra har delat med den. "
                "Konfidentiella uppgifter ingår inte."
            ),
            "summary": "Sammanfattning",
            "contracts_high_risk": "Avtal i högriskkategorier",
            "self_reports": "Självrapporteringar mottagna",
            "audits_done": "Granskningar och inspektioner genomförda",
            "audits_commissioned": "varav beställda av organisationen",
            "audits_shared": "varav delade med organisationen",
            "findings_total": "Avvikelser funna",
            "actions_closed": "Korrigerande åtgärder avslutade",
            "contracts_heading": "Avtal i högriskkategorier (DFØ:s lista)",
            "category": "Produktkategori",
            "count": "Antal",
            "audits_heading": "Granskningar per typ",
            "type": "Typ",
            "findings_heading": "Avvikelser per ILO-konvention och land",
            "requirement": "Krav",
            "country": "Land",
            "findings_chart": "Avvikelser per krav",
            "countries_chart": "Avvikelser per land",
            "none": "Inga under perioden.",
            "total": "Summa",
        },
    }
)

_REQUIREMENTS: Mapping[Requirement, tuple[str, str]] = MappingProxyType(
    {
        Requirement.ILO_C29: ("ILO 29 Tvangsarbeid", "ILO 29 Tvångsarbete"),
        Requirement.ILO_C105: (
            "ILO 105 Avskaffelse av tvangsarbeid",
            "ILO 105 Avskaffande av tvångsarbete",
        ),
        Requirement.ILO_C87: ("ILO 87 Organisasjonsfrihet", "ILO 87 Föreningsfrihet"),
        Requirement.ILO_C98: ("ILO 98 Kollektive forhandlinger", "ILO 98 Kollektiva förhandlingar"),
        Requirement.ILO_C100: ("ILO 100 Lik lønn", "ILO 100 Lika lön"),
        Requirement.ILO_C111: ("ILO 111 Diskriminering", "ILO 111 Diskriminering"),
        Requirement.ILO_C138: ("ILO 138 Minstealder", "ILO 138 Minimiålder"),
        Requirement.ILO_C182: ("ILO 182 Barnearbeid", "ILO 182 Barnarbete"),
        Requirement.ILO_C155: ("ILO 155 Helse og sikkerhet", "ILO 155 Arbetsmiljö"),
        Requirement.ILO_C187: ("ILO 187 HMS-rammeverk", "ILO 187 Ramverk för arbetsmiljö"),
        Requirement.WAGES: ("Lønn", "Lön"),
        Requirement.WORKING_HOURS: ("Arbeidstid", "Arbetstid"),
        Requirement.HEALTH_AND_SAFETY: ("Helse, miljø og sikkerhet", "Hälsa och säkerhet"),
        Requirement.ENVIRONMENT: ("Miljø", "Miljö"),
        Requirement.ANTI_CORRUPTION: ("Antikorrupsjon", "Antikorruption"),
        Requirement.OTHER: ("Annet", "Övrigt"),
    }
)

_TYPES: Mapping[AuditReportType, tuple[str, str]] = MappingProxyType(
    {
        AuditReportType.SELF_REPORT_REVIEW: (
            "Gjennomgang av egenrapportering",
            "Granskning av självrapportering",
        ),
        AuditReportType.SUPPLIER_MEETING: ("Leverandørmøte", "Leverantörsmöte"),
        AuditReportType.SYSTEM_AUDIT: ("Systemrevisjon", "Systemrevision"),
        AuditReportType.INSPECTION_NORWAY: ("Inspeksjon i Norge", "Inspektion i Norge"),
        AuditReportType.INSPECTION_ABROAD: ("Inspeksjon i utlandet", "Inspektion utomlands"),
    }
)


class Words:
    """The words, numbers, dates and names of one locale."""

    def __init__(self, locale: str) -> None:
        self.locale = locale if locale in _TEXTS else DEFAULT_LOCALE
        self._texts = _TEXTS[self.locale]
        self._index = 1 if self.locale == "sv_SE" else 0
        self._territories = Locale.parse(self.locale).territories

    def __getitem__(self, key: str) -> str:
        return self._texts[key]

    def number(self, value: int) -> str:
        return format_decimal(value, locale=self.locale)

    def date(self, value: dt.date) -> str:
        return format_date(value, format="long", locale=self.locale)

    def country(self, code: str) -> str:
        return str(self._territories.get(code.upper(), code))

    def requirement(self, requirement: Requirement) -> str:
        return _REQUIREMENTS[requirement][self._index]

    def report_type(self, report_type: AuditReportType) -> str:
        return _TYPES[report_type][self._index]

    def category(self, slug: str) -> str:
        names = HIGH_RISK_CATEGORIES.get(slug)
        return names[self._index] if names else slug
