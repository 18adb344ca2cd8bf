"""The publication's own words for its title and columns, shared by every format."""

from __future__ import annotations

TITLE = "Transparantie klantprofielen"
REGIO = "Arbeidsmarktregio"
GEMEENTE = "Gemeentecliënten in Sonar"
UWV = "UWV-cliënten in Sonar"
PROFIEL = "Profiel in Sonar"
GEEN_PROFIEL = "Geen profiel in Sonar"
TOTAAL = "Totaal in Sonar"
#: Not a column of UWV's publication: ours (docs/domain.md, decision 3), never in the total.
BESCHUT = "Beschut werkend in de WSW"
BESCHUT_NOTE = "niet in het totaal"
PEILDATUM = "Peildatum"
ATTRIBUTION = "Bronvermelding bij overname is verplicht."
NOT_EVERYONE = (
    "Niet alle mensen uit het doelgroepregister zijn ingeschreven in Sonar. En de mensen uit "
    "het doelgroepregister die wel geregistreerd zijn in Sonar hebben niet allemaal een open "
    "dienstverlening."
)

#: The row's figures in the publication's column order, with their headings (group, column).
COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("gemeente_met_profiel", GEMEENTE, PROFIEL),
    ("gemeente_zonder_profiel", GEMEENTE, GEEN_PROFIEL),
    ("uwv_met_profiel", UWV, PROFIEL),
    ("uwv_zonder_profiel", UWV, GEEN_PROFIEL),
    ("totaal", "", TOTAAL),
    ("beschut_wsw", "", f"{BESCHUT} ({BESCHUT_NOTE})"),
)

#: The teldefinitie, in the publication's words (the four conditions).
CONDITIONS = (
    "Cliënt heeft de status ‘ingeschreven’ in Sonar.",
    "Er is sprake van een ‘open dienstverlening’. Dit wil zeggen dat de indicering een "
    "begindatum heeft maar geen einddatum.",
    "Cliënt is opgenomen in het doelgroepregister én",
    "Waarbij het veld ‘banenafspraak’ is aangevinkt in Sonar. Let op: voor de mensen die in het "
    "doelgroepregister bekend zijn als ‘beschut werkend in de WSW’ geldt dat zij wel behoren tot "
    "de doelgroep banenafspraak, maar geen vinkje krijgen bij het veld ‘banenafspraak’ in Sonar.",
)
PROFIEL_JA = (
    "Een klantprofiel wordt als ‘ja’ aangeduid, indien cliënt voldoet aan de teldefinitie van "
    "UWV. Dit houdt in dat er voor deze kandidaat minimaal de onderdelen affiniteiten, "
    "beroepssectoren en één van de twintig taaksoortvragen is geregistreerd."
)
PROFIEL_NEE = (
    "Het klantprofiel wordt als ‘nee’ aangeduid als geen van de onderdelen van het klantprofiel "
    "is gevuld of als minstens één onderdeel van het profiel gevuld is maar nog niet voldoet aan "
    "de voorwaarden van de teldefinitie van UWV."
)
#: Our two additions, in short (the HTML and PDF explain them at length).
BESCHUT_UITLEG = (
    "Mensen die in het doelgroepregister bekend zijn als ‘beschut werkend in de WSW’ behoren tot "
    "de doelgroep, maar krijgen geen vinkje ‘banenafspraak’ en tellen dus niet mee. Deze kolom "
    "(niet in de publicatie van UWV) telt hen die verder aan alle voorwaarden voldoen; zij zitten "
    "niet in ‘Totaal in Sonar’."
)
ONBEKEND_UITLEG = (
    "Cliënten van wie de gemeente ontbreekt of niet in de CBS-indeling 2026 voorkomt, tellen mee "
    "voor Nederland in de rij ‘Onbekend’ (alleen als die niet nul is)."
)
