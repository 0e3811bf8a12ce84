"""The words of the closed demo consultation: the uitvoeringsagenda, the comments, the answers.

Fictitious, in plain Dutch. Kept apart from :mod:`consult.seeds.demo_closed`, which turns
them into rows, so the texts can be read (and improved) in one place.
"""

from __future__ import annotations

from dataclasses import dataclass

from consult.responses.models import Disposition

D = Disposition

# (number, heading, html) of version 1, the version that was open for comment.
VERSION_1 = [
    (
        "1",
        "Waarom deze agenda",
        "<p>In de regiovisie staat wat wij willen bereiken met de jeugdhulp in Utrecht. In deze "
        "uitvoeringsagenda staat wat wij daarvoor in 2026 gaan doen. Per onderwerp leest u wat "
        "er verandert, wie het doet en wanneer het klaar is.</p>"
        "<p>Dit is een fictief voorbeeld voor demonstraties: namen en cijfers zijn verzonnen.</p>",
    ),
    (
        "2",
        "Korter wachten op jeugdhulp",
        "<p>Nu wachten kinderen en gezinnen gemiddeld veertien weken op specialistische "
        "jeugdhulp. In 2026 willen wij dat terugbrengen naar tien weken. Wij maken afspraken met "
        "de aanbieders over meer plekken voor jeugd-ggz en over het eerlijk verdelen van de "
        "wachtlijst.</p>",
    ),
    (
        "3",
        "Hulp op en rond school",
        "<p>Op alle basisscholen en middelbare scholen werkt een schoolondersteuner jeugd van het "
        "buurtteam. Deze functie bestaat sinds 2022. Na 2026 bekijken wij opnieuw of deze functie "
        "blijft, en in welke vorm.</p>"
        "<p>Op het speciaal onderwijs werken onderwijs en jeugdhulp samen in één team.</p>",
    ),
    (
        "4",
        "Eén vaste hulpverlener",
        "<p>Gezinnen vertellen hun verhaal nu vaak opnieuw aan steeds andere hulpverleners. Vanaf "
        "2026 heeft elk gezin met specialistische hulp één vaste contactpersoon die het overzicht "
        "houdt.</p>",
    ),
    (
        "5",
        "Van 18-min naar 18-plus",
        "<p>Jongeren die 18 worden, krijgen vanaf hun 17e een gesprek over wat er verandert. Wij "
        "maken afspraken met de volwassenenzorg zodat de hulp doorloopt.</p>",
    ),
    (
        "6",
        "Pleegzorg en gezinshuizen",
        "<p>Wij willen meer pleeggezinnen en gezinshuizen, zodat minder kinderen in een instelling "
        "wonen. Pleegouders krijgen betere begeleiding en één loket voor vragen.</p>",
    ),
    (
        "7",
        "Meepraten door jongeren en ouders",
        "<p>Een jongerenpanel en een ouderpanel praten twee keer per jaar mee over de uitvoering "
        "van deze agenda.</p>",
    ),
    (
        "8",
        "Samenwerken met aanbieders",
        "<p>Wij kopen jeugdhulp in volgens de Norm voor Opdrachtgeverschap van de VNG. Wij werken "
        "met minder, maar vaste aanbieders en langere contracten, zodat er rust komt voor kinderen "
        "en medewerkers.</p>",
    ),
    (
        "9",
        "Wat het kost en hoe we het volgen",
        "<p>Voor 2026 is 212 miljoen euro begroot voor jeugdhulp. Elk halfjaar rapporteren wij aan "
        "de gemeenteraad over wachttijden, tevredenheid en kosten.</p>",
    ),
]

# Version 2, written after the consultation: these sections rewritten, one added at the end.
VERSION_2_CHANGES = {
    "2": "<p>Nu wachten kinderen en gezinnen gemiddeld veertien weken op specialistische "
    "jeugdhulp. In 2026 willen wij dat terugbrengen naar tien weken. Wij maken afspraken met de "
    "aanbieders over meer plekken voor jeugd-ggz en over het eerlijk verdelen van de "
    "wachtlijst.</p>"
    "<p>Wij publiceren elke maand de wachttijden per soort hulp. Wie langer dan vier weken wacht, "
    "krijgt een vaste contactpersoon en hulp om de wachttijd te overbruggen.</p>",
    "3": "<p>Op alle basisscholen en middelbare scholen werkt een schoolondersteuner jeugd van het "
    "buurtteam. De schoolondersteuners blijven, ook na 2026. Wij maken hierover afspraken met de "
    "schoolbesturen voor vier jaar.</p>"
    "<p>Op het speciaal onderwijs werken onderwijs en jeugdhulp samen in één team.</p>",
    "5": "<p>Jongeren die 18 worden, maken vanaf hun 16e samen met hun hulpverlener een "
    "toekomstplan over wonen, geld, school of werk en hulp. Wij maken afspraken met de "
    "volwassenenzorg zodat de hulp doorloopt, zonder nieuwe wachtlijst.</p>",
    "7": "<p>Een jongerenpanel en een ouderpanel praten vier keer per jaar mee over de uitvoering "
    "van deze agenda. Leden krijgen een vergoeding. Het ouderpanel komt ook bij elkaar in "
    "buurthuizen. Binnen zes weken laten wij weten wat wij met een advies doen, en waarom.</p>",
    "9": "<p>Voor 2026 is 212 miljoen euro begroot voor jeugdhulp. Elk kwartaal rapporteren wij "
    "aan de gemeenteraad over wachttijden, tevredenheid en kosten, en over de afspraken met "
    "iedere aanbieder. De cijfers staan ook op de website van de gemeente.</p>",
}
VERSION_2_ADDED = (
    "10",
    "Reizen naar de hulp",
    "<p>Kinderen en ouders die ver moeten reizen voor specialistische hulp, krijgen de "
    "reiskosten vergoed. Waar het kan, komt de hulpverlener naar het gezin of naar school.</p>",
)


@dataclass(frozen=True)
class Point:
    """One thing someone said, and (if it was answered) what the region answered.

    ``section`` is the number in version 1 (None: the document as a whole); ``links`` the
    numbers of the sections of version 2 the answer is linked to.
    """

    section: str | None
    group: str
    text: str
    disposition: Disposition | None = None
    reason: str = ""
    links: tuple[str, ...] = ()
    age: str | None = None


# Answered and published (0-29), drafted and waiting for approval (30-34), open (35-47).
POINTS = [
    Point(
        "2",
        "parent",
        "Mijn zoon van 9 staat al vijf maanden op de wachtlijst voor de jeugd-ggz. Tien weken "
        "wachten is nog steeds te lang. Zorg dat er in de tussentijd iets is, al is het maar een "
        "vast telefoonnummer.",
        D.PARTLY_ADOPTED,
        "U hebt gelijk dat wachten zwaar is. Tien weken blijft ons doel voor 2026; korter lukt "
        "nog niet met het aantal hulpverleners dat er is. Wel krijgt iedereen die langer dan vier "
        "weken wacht nu een vaste contactpersoon en hulp om de wachttijd te overbruggen.",
        ("2",),
    ),
    Point(
        "2",
        "young_person",
        "Ik heb een jaar gewacht op hulp en in die tijd ging het steeds slechter met me. Niemand "
        "belde me terug. Zeg gewoon eerlijk hoe lang het duurt.",
        D.ADOPTED,
        "Wij zetten voortaan elke maand de wachttijden per soort hulp op de website, zodat "
        "iedereen ziet hoe lang het duurt. En wie wacht, krijgt een vaste contactpersoon die "
        "terugbelt.",
        ("2",),
        "16_17",
    ),
    Point(
        "2",
        "care_provider",
        "Als aanbieder willen wij meer plekken bieden, maar wij vinden geen personeel. Meer geld "
        "voor plekken helpt alleen als er ook geld is om mensen op te leiden.",
        D.NOTED,
        "Dank voor dit signaal. Mensen opleiden valt buiten deze agenda, maar wij bespreken het "
        "met de aanbieders in het regionale overleg over werk in de jeugdhulp.",
    ),
    Point(
        "2",
        "professional",
        "Als huisarts verwijs ik veel kinderen door. Ik hoor daarna vaak maanden niets. Laat de "
        "verwijzer weten waar een kind op de lijst staat.",
        D.PARTLY_ADOPTED,
        "De wachttijden worden elke maand openbaar, ook voor verwijzers. Een bericht per kind aan "
        "de verwijzer regelen wij nog niet: daar is toestemming van het gezin voor nodig. Wij "
        "zoeken dit in 2026 uit.",
        ("2",),
    ),
    Point(
        "3",
        "professional",
        "Als leerkracht ben ik blij met de schoolondersteuner. Zij ziet dingen die wij missen. "
        "Maak haar uren niet kleiner.",
        D.ADOPTED,
        "De schoolondersteuners blijven, ook na 2026, met evenveel uren als nu.",
    ),
    Point(
        "3",
        "young_person",
        "Op mijn school is de schoolondersteuner er maar één middag per week. Dan moet je wachten "
        "tot dinsdag als je ergens mee zit.",
        D.NOT_ADOPTED,
        "Meer uren per school is in 2026 niet mogelijk binnen het budget.",
        (),
        "12_15",
    ),
    Point(
        "4",
        "parent",
        "Wij hebben in twee jaar zes verschillende hulpverleners gehad. Steeds opnieuw ons verhaal "
        "vertellen is uitputtend. Eén vast persoon zou alles schelen.",
        D.ALREADY_COVERED,
        "Dit staat in onderdeel 4: vanaf 2026 heeft elk gezin met specialistische hulp één vaste "
        "contactpersoon. Wij letten erop dat dit ook echt gebeurt.",
    ),
    Point(
        "4",
        "experience_expert",
        "Een vaste contactpersoon is goed, maar dan moet die persoon ook echt beslissingen kunnen "
        "nemen. Anders is het alleen een doorgeefluik.",
        D.PARTLY_ADOPTED,
        "Goed punt. De vaste contactpersoon mag zelf hulp inzetten tot een afgesproken bedrag. "
        "Dat leggen wij vast in de werkafspraken met de buurtteams, niet in deze agenda.",
    ),
    Point(
        "5",
        "young_person",
        "Toen ik 18 werd stopte mijn hulp van de ene op de andere dag. Begin veel eerder dan 17 "
        "met het gesprek.",
        D.ADOPTED,
        "Wij beginnen nu op 16 jaar, niet op 17. Samen met je hulpverlener maak je dan een "
        "toekomstplan over wonen, geld, school of werk en hulp.",
        ("5",),
        "18_23",
    ),
    Point(
        "5",
        "foster_parent",
        "Onze pleegdochter wordt volgend jaar 18. Ze is er nog lang niet klaar voor om alleen te "
        "wonen. Laat pleegzorg standaard doorlopen tot 21.",
        D.ALREADY_COVERED,
        "Pleegzorg loopt al standaard door tot 21 jaar, als de jongere en het pleeggezin dat "
        "willen. Wij zorgen dat pleegouders dit op tijd horen van hun begeleider.",
    ),
    Point(
        "5",
        "care_provider",
        "De overgang naar de volwassenenzorg loopt vast op wachtlijsten bij de ggz voor "
        "volwassenen. Maak afspraken over voorrang.",
        D.PARTLY_ADOPTED,
        "In de nieuwe tekst staat dat de hulp doorloopt zonder nieuwe wachtlijst. Voorrang "
        "regelen wij niet voor alle volwassenenzorg, wel voor jongeren die al in behandeling zijn.",
        ("5",),
    ),
    Point(
        "6",
        "foster_parent",
        "Als pleegouder moet ik nu bij drie verschillende loketten zijn als ik een vraag heb. Eén "
        "loket is een goed plan, maar zorg dat het ook 's avonds bereikbaar is.",
        D.PARTLY_ADOPTED,
        "Het loket voor pleegouders komt er in 2026. Het is op werkdagen tot 20.00 uur "
        "bereikbaar. Bij nood kunt u altijd de crisisdienst bellen.",
    ),
    Point(
        "6",
        "advocacy_group",
        "Meer gezinshuizen is goed, maar zorg dat broers en zussen bij elkaar kunnen blijven.",
        D.NOTED,
        "Dank u. Broers en zussen bij elkaar houden is al het uitgangspunt bij een plaatsing. Wij "
        "vragen de aanbieders hier in 2026 over te rapporteren.",
    ),
    Point(
        "7",
        "young_person",
        "Twee keer per jaar meepraten is te weinig. En waarom krijgen jongeren geen vergoeding? "
        "Volwassenen in adviesraden krijgen dat wel.",
        D.ADOPTED,
        "Het jongerenpanel komt nu vier keer per jaar bij elkaar, en leden krijgen een "
        "vergoeding, net als volwassenen.",
        ("7",),
        "16_17",
    ),
    Point(
        "7",
        "parent",
        "Zorg dat het ouderpanel niet alleen bestaat uit ouders die goed kunnen praten. Kom ook "
        "naar buurthuizen en scholen.",
        D.PARTLY_ADOPTED,
        "Het ouderpanel komt ook bij elkaar in buurthuizen, en wij nodigen ouders uit via scholen "
        "en buurtteams. Een tolk is mogelijk.",
        ("7",),
    ),
    Point(
        "7",
        "advocacy_group",
        "Meepraten heeft alleen zin als jullie laten weten wat er met het advies gebeurt. Nu horen "
        "we daarna niets meer.",
        D.ADOPTED,
        "Binnen zes weken laten wij het panel weten wat wij met een advies doen, en waarom. Dat "
        "staat nu in de agenda.",
        ("7",),
    ),
    Point(
        "8",
        "care_provider",
        "Langere contracten geven rust, maar kleine aanbieders vallen zo buiten de boot. Juist zij "
        "bieden vaak de meest persoonlijke hulp.",
        D.NOT_ADOPTED,
        "Wij kiezen voor minder, vaste aanbieders, omdat gezinnen dan minder vaak hoeven te "
        "wisselen. Kleine aanbieders kunnen samenwerken met een vaste aanbieder en zo toch hulp "
        "bieden.",
    ),
    Point(
        "8",
        "municipality",
        "De Norm voor Opdrachtgeverschap noemen is goed. Maak ook duidelijk hoe jullie "
        "controleren of aanbieders zich eraan houden.",
        D.PARTLY_ADOPTED,
        "Elk kwartaal bespreken wij met iedere aanbieder de afspraken uit de norm. De uitkomsten "
        "staan in de rapportage aan de gemeenteraad.",
        ("9",),
    ),
    Point(
        "9",
        "municipality",
        "Eén keer per halfjaar rapporteren is te weinig om bij te sturen. Publiceer de cijfers ook "
        "op internet.",
        D.ADOPTED,
        "Wij rapporteren nu elk kwartaal en zetten de cijfers op de website van de gemeente.",
        ("9",),
    ),
    Point(
        "9",
        "parent",
        "212 miljoen is veel geld. Ik zou graag zien hoeveel daarvan echt bij kinderen terechtkomt "
        "en hoeveel naar bureaucratie gaat.",
        D.NOTED,
        "Een goede vraag. In de rapportage laten wij zien hoeveel geld naar hulp gaat en hoeveel "
        "naar organisatie, te beginnen in de eerste kwartaalrapportage.",
    ),
    Point(
        None,
        "parent",
        "Fijn dat er een uitvoeringsagenda is. Schrijf hem wel in gewone taal, ik moest veel "
        "woorden opzoeken.",
        D.ADOPTED,
        "Wij hebben de hele tekst laten nakijken op eenvoudige taal. Moeilijke woorden leggen wij "
        "nu uit.",
    ),
    Point(
        None,
        "young_person",
        "Ik vind dat kinderen ook mogen zeggen welke hulp ze willen.",
        D.ALREADY_COVERED,
        "Dat vinden wij ook. In het jongerenpanel praten ook kinderen mee, en je hulpverlener "
        "vraagt altijd wat jij wilt.",
        (),
        "under_12",
    ),
    Point(
        "4",
        "young_person",
        "Ik wil zelf kiezen of mijn ouders bij het gesprek zijn.",
        D.NOTED,
        "Vanaf 12 jaar mag je meebeslissen over je hulp. Je kunt je hulpverlener vragen om een "
        "gesprek zonder je ouders. Dat blijft zo.",
        (),
        "12_15",
    ),
    Point(
        "6",
        "experience_expert",
        "Ik ben opgegroeid in een instelling. Wat het meest hielp was één volwassene die bleef. "
        "Zorg dat kinderen in een gezinshuis een vaste mentor krijgen, ook als ze verhuizen.",
        D.PARTLY_ADOPTED,
        "Een vaste mentor voor elk kind in een gezinshuis nemen wij op in de inkoop voor 2026. "
        "Dat de mentor meegaat bij een verhuizing, kunnen wij nog niet beloven.",
    ),
    Point(
        "2",
        "other",
        "Betrek ook de huisartsen bij de wachtlijst. Zij kunnen vaak al lichte hulp geven.",
        D.ALREADY_COVERED,
        "De praktijkondersteuners jeugd bij de huisartsen geven al lichte hulp. Zij blijven, ook "
        "in 2026.",
    ),
    Point(
        "8",
        "professional",
        "Stop met de vele formulieren voor elke verlenging van hulp. Dat kost hulpverleners uren "
        "per week.",
        D.ADOPTED,
        "Een verlenging van hulp tot een jaar kan voortaan met één kort formulier. Dat staat in "
        "de nieuwe afspraken met de aanbieders.",
    ),
    Point(
        None,
        "advocacy_group",
        "Jullie noemen het VN-Kinderrechtenverdrag nergens. Maak duidelijk hoe deze agenda "
        "bijdraagt aan de rechten van kinderen.",
        D.NOTED,
        "De regiovisie gaat hierop in; deze agenda werkt die visie uit. Wij verwijzen er in de "
        "inleiding naar.",
    ),
    Point(
        "6",
        "parent",
        "Ons kind moet twee uur reizen naar een behandeling in Amersfoort. Die reiskosten betalen "
        "wij zelf.",
        D.ADOPTED,
        "Reiskosten voor specialistische hulp ver van huis worden vergoed. Dat staat in het "
        "nieuwe onderdeel 10 van de agenda.",
        ("10",),
    ),
    Point(
        None,
        "parent",
        "Wij wonen in Vleuten en voor elke afspraak moeten we met de bus naar de andere kant van "
        "de stad. Kan de hulp niet dichterbij?",
        D.PARTLY_ADOPTED,
        "Waar het kan, komt de hulpverlener naar het gezin of naar school. Dat staat in het nieuwe "
        "onderdeel 10. Voor sommige behandelingen blijft reizen nodig.",
        ("10",),
    ),
    Point(
        "4",
        "professional",
        "Een vaste contactpersoon werkt alleen als die niet te veel gezinnen heeft. Noem een "
        "maximum.",
        D.NOT_ADOPTED,
        "Een maximum aantal gezinnen per contactpersoon leggen wij niet vast in deze agenda. De "
        "buurtteams spreken dit af met hun medewerkers; wij volgen het in de "
        "kwartaalrapportage.",
    ),
    # -- drafted by the official, waiting for a second official ---------------------------
    Point(
        "2",
        "young_person",
        "Op de wachtlijst stond ik zonder dat iemand me vertelde wat ik zelf kon doen. Geef "
        "jongeren tips en een site waar je terechtkunt.",
        D.PARTLY_ADOPTED,
        "Op de website van de buurtteams komt een pagina met tips en plekken waar je terechtkunt "
        "terwijl je wacht. Een eigen app komt er niet.",
        (),
        "16_17",
    ),
    Point(
        "6",
        "foster_parent",
        "Pleegouders moeten ook respijtzorg kunnen krijgen, bijvoorbeeld een weekend per maand.",
        D.NOTED,
        "Respijtzorg voor pleegouders is al mogelijk via de pleegzorgaanbieder. Wij zorgen dat "
        "het nieuwe loket hierover vertelt.",
    ),
    Point(
        "7",
        "young_person",
        "Ik wil meedoen met het jongerenpanel maar ik weet niet hoe.",
        D.NOTED,
        "Leuk! Je kunt je aanmelden via de website van de gemeente of via je school. Wij sturen "
        "je dan een uitnodiging.",
        (),
        "12_15",
    ),
    Point(
        "9",
        "advocacy_group",
        "Rapporteer ook per wijk, dan zie je waar de problemen het grootst zijn.",
        D.NOT_ADOPTED,
        "Cijfers per wijk publiceren wij niet, omdat gezinnen in kleine wijken dan herkenbaar "
        "kunnen worden. Wel per stadsdeel.",
    ),
    Point(
        None,
        "parent",
        "Ik mis in de agenda wat er gebeurt als de hulp niet helpt. Bij wie kan ik dan terecht?",
        D.PARTLY_ADOPTED,
        "Als de hulp niet helpt, bespreek dit eerst met uw vaste contactpersoon. Lukt dat niet, "
        "dan kunt u terecht bij een onafhankelijke cliëntondersteuner. Wij zetten dit duidelijker "
        "op de website.",
    ),
    # -- not answered yet -------------------------------------------------------------------
    Point(
        "2",
        "parent",
        "Waarom moeten we eerst naar het buurtteam voordat we specialistische hulp krijgen? Dat "
        "kost weer weken.",
    ),
    Point(
        "3",
        "young_person",
        "Ik durf niet naar de schoolondersteuner omdat iedereen ziet dat je naar haar kamer gaat.",
        age="12_15",
    ),
    Point(
        "3",
        "professional",
        "Laat de schoolondersteuner ook op het mbo werken. Daar zitten veel jongeren die hulp "
        "nodig hebben.",
    ),
    Point(
        "4",
        "parent",
        "Wat als de vaste contactpersoon ziek is of weggaat? Zorg voor een vaste vervanger.",
    ),
    Point(
        "5",
        "experience_expert",
        "Ik ben 22 en nog steeds boos dat mijn hulp stopte bij 18. Vraag jongeren die dit hebben "
        "meegemaakt om mee te denken.",
    ),
    Point(
        "6",
        "care_provider",
        "Gezinshuisouders zijn moeilijk te vinden. Geef ze een vast contract en een goed salaris.",
    ),
    Point(
        "7",
        "other",
        "Zorg dat kinderen met een beperking ook in het jongerenpanel zitten, met de hulp die ze "
        "daarvoor nodig hebben.",
    ),
    Point("8", "advocacy_group", "Betrek cliëntenraden bij het kiezen van aanbieders."),
    Point(
        "9",
        "parent",
        "Hoe weten wij of de wachttijd echt korter wordt? Zet een doel per jaar in de agenda.",
    ),
    Point(
        None,
        "young_person",
        "Maak een versie van deze agenda voor jongeren, met plaatjes.",
        age="16_17",
    ),
    Point(
        "2",
        "care_provider",
        "Een eerlijke verdeling van de wachtlijst is goed, maar laat de crisisplekken erbuiten.",
    ),
    Point(
        "5",
        "municipality",
        "Spreek met de woningcorporaties af dat jongeren uit de jeugdhulp voorrang krijgen op een "
        "kamer.",
    ),
    Point(
        None,
        "other",
        "Ik werk bij de bibliotheek en zie veel ouders die de weg niet weten. Zet de informatie "
        "ook op papier.",
    ),
]
PUBLISHED_POINTS = range(0, 30)
DRAFT_POINTS = range(30, 35)
# The point that was answered, published, and then corrected.
CORRECTED_POINT = 5
CORRECTION = (
    D.PARTLY_ADOPTED,
    "Wij hebben opnieuw gekeken. Scholen met veel leerlingen krijgen in 2026 een extra middag "
    "van de schoolondersteuner. Meer uren voor alle scholen lukt nog niet.",
    "In het eerste antwoord stond dat meer uren niet mogelijk was. Na overleg met de "
    "schoolbesturen is er toch ruimte voor grote scholen.",
)
# The participant account's own comment (besides a campaign letter): a point with a draft.
PARTICIPANT_POINT = 34


@dataclass(frozen=True)
class Echo:
    """A shorter comment saying what a point says; answered with that point's answer."""

    section: str | None
    group: str
    text: str
    joins: int | None = None  # the point whose answer covers it too
    age: str | None = None


ECHOES = [
    Echo(
        "2",
        "parent",
        "Het wachten op hulp duurt echt veel te lang. Zorg dat mensen weten waar ze aan toe zijn.",
        1,
    ),
    Echo(
        "2",
        "foster_parent",
        "Tien weken wachten vind ik nog steeds te lang voor een kind dat het moeilijk heeft.",
        0,
    ),
    Echo("2", "other", "Wachttijden moeten openbaar zijn, dan kunnen ouders ook kiezen.", 1),
    Echo("4", "parent", "Eén vaste hulpverlener, ja graag! Wij hebben er ook al vijf gehad.", 6),
    Echo("4", "parent", "Elke keer een nieuw gezicht is voor mijn dochter heel moeilijk.", 6),
    Echo(
        "5",
        "young_person",
        "Begin eerder met praten over 18 worden. Op je 17e is te laat.",
        8,
        "16_17",
    ),
    Echo(
        "5",
        "young_person",
        "Help jongeren bij het regelen van geld en een huis als ze 18 worden.",
        8,
        "18_23",
    ),
    Echo(
        "7",
        "young_person",
        "Jongeren moeten een vergoeding krijgen voor het meepraten. Het kost ons ook tijd.",
        13,
        "16_17",
    ),
    Echo(
        "7",
        "experience_expert",
        "Laat ons weten wat er met ons advies gebeurt, anders haken mensen af.",
        15,
    ),
    Echo("9", "other", "Zet de cijfers gewoon online, dan kan iedereen meekijken.", 18),
    Echo(
        "6",
        "parent",
        "De reiskosten voor hulp buiten Utrecht zijn voor ons gezin niet te betalen.",
        27,
    ),
    Echo(None, "parent", "De tekst is lastig te lezen. Kan het in makkelijkere taal?", 20),
    Echo("3", "parent", "De schoolondersteuner op onze school is goud waard.", 4),
    Echo("8", "professional", "Minder papierwerk alstublieft, meer tijd voor de kinderen.", 25),
    Echo(
        "2",
        "young_person",
        "Geef tips aan jongeren die op de wachtlijst staan.",
        30,
        "12_15",
    ),
    Echo("7", "young_person", "Hoe kan ik meedoen met het jongerenpanel?", 32, "12_15"),
    Echo(
        "6",
        "parent",
        "Er moeten meer pleeggezinnen komen in de buurt, zodat kinderen op hun eigen school "
        "kunnen blijven.",
    ),
    Echo("2", "parent", "Mijn kind wacht nu vier maanden. Ik weet niet meer wat ik moet doen."),
    Echo(None, "other", "Goed plan, maar ik geloof het pas als ik het zie."),
    Echo(
        "5",
        "young_person",
        "Ook na je 18e heb je soms nog hulp nodig van dezelfde mensen.",
        None,
        "18_23",
    ),
    Echo("4", "parent", "Een vaste contactpersoon moet ook in de vakantie bereikbaar zijn."),
    Echo(
        "9",
        "advocacy_group",
        "Vraag ook aan kinderen zelf of de hulp beter wordt, niet alleen aan ouders.",
    ),
    Echo("7", "parent", "Het ouderpanel moet ook 's avonds vergaderen, overdag moeten wij werken."),
    Echo(
        None,
        "parent",
        "Bedankt dat we mogen reageren. Ik hoop dat er echt naar ons geluisterd wordt.",
    ),
]
# Echoes someone else said too (in their own words: a different ending).
REPEATED_ECHOES = (0, 1, 3, 4, 5, 7, 9, 10, 11, 13, 16, 17, 22)
# Echoes withdrawn by their senders before the consultation closed.
WITHDRAWN_ECHOES = (18, 23)
ENDINGS = [
    "Dat zeg ik als moeder van drie kinderen.",
    "Ik hoop dat jullie hier iets mee doen.",
    "Dit hoor ik van veel mensen om me heen.",
    "Graag hoor ik wat jullie ermee doen.",
    "Dat is mijn mening.",
]


@dataclass(frozen=True)
class Hidden:
    section: str | None
    group: str
    text: str
    reason: str  # HideReason value
    note: str
    answer: tuple[Disposition, str] | None = None


HIDDEN = [
    Hidden(
        "2",
        "other",
        "Jullie zijn allemaal zakkenvullers die nooit luisteren. Dit plan is waardeloos en dat "
        "weten jullie zelf ook.",
        "offensive",
        "Je mag kritisch zijn, maar schelden mag niet. Schrijf je punt zonder scheldwoorden, dan "
        "tonen we het wel.",
    ),
    Hidden(
        "4",
        "parent",
        "Mevrouw J. de Boer van het buurtteam Zuilen is mijn dossier kwijtgeraakt en heeft nooit "
        "teruggebeld. Zij hoort dit werk niet te doen.",
        "personal_data",
        "Je noemt de naam van een medewerker. Je ervaring telt wel mee en wordt beantwoord.",
        (
            D.NOTED,
            "Wat u meemaakte, had niet mogen gebeuren. Wij hebben uw ervaring, zonder uw naam, "
            "doorgegeven aan de klachtenfunctionaris van het buurtteam. Een vaste "
            "contactpersoon, zoals in onderdeel 4, moet dit voorkomen.",
        ),
    ),
    Hidden(
        None,
        "other",
        "Goedkope zonnepanelen nodig? Kijk op zonnig-voordeel.example voor de beste aanbieding!",
        "spam",
        "Reclame hoort niet bij deze inspraak.",
    ),
]

# -- the letter campaign ------------------------------------------------------------------------

CAMPAIGN_SECTION = "3"
CAMPAIGN_SIZE = 30
SCHOOLS = [
    ("basisschool De Regenboog", "Overvecht"),
    ("OBS Het Zand", "Leidsche Rijn"),
    ("basisschool De Klimop", "Kanaleneiland"),
    ("CBS De Fontein", "Zuilen"),
    ("basisschool Wittevrouwen", "Oost"),
    ("basisschool De Kameleon", "Lunetten"),
    ("OBS De Pijler", "Hoograven"),
    ("basisschool De Meerpaal", "Vleuten-De Meern"),
    ("basisschool De Vuurvogel", "Ondiep"),
    ("IKC Zonnehof", "Tuindorp"),
    ("basisschool De Twijn", "Lombok"),
    ("OBS Nijevelt", "Kanaleneiland"),
    ("basisschool Het Kompas", "Overvecht"),
    ("KBS De Ster", "Leidsche Rijn"),
    ("basisschool Op Dreef", "Hoograven"),
]
CAMPAIGN_EXTRAS = [
    "Mijn zoon heeft dankzij haar op tijd hulp gekregen.",
    "Ook de leerkrachten zijn heel blij met haar.",
    "Zij spreekt ook Arabisch, dat helpt veel ouders.",
    "Bij ons op school hoeft niemand meer maanden te wachten op een gesprek.",
]
CAMPAIGN_LETTER = (
    "{greeting}\n\n"
    "Ik ben {role} op {school} in {wijk}. Op onze school werkt een schoolondersteuner jeugd. Zij "
    "is er elke week, kent de kinderen en helpt snel als het thuis of in de klas niet goed "
    "gaat.{extra} In de uitvoeringsagenda staat dat deze functie na 2026 opnieuw wordt bekeken. "
    "Wij maken ons daar grote zorgen over. Zonder schoolondersteuner moeten ouders weer zelf de "
    "weg zoeken naar hulp, en dat duurt maanden.\n\n"
    "Wij vragen u: houd de schoolondersteuner op elke basisschool, ook na 2026{bang}"
    "{closing}"
)
