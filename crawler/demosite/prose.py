"""Story kits: headline and paragraph templates that the demo articles are written from.

Placeholders ({city}, {official}, ...) are filled per article from the pools below by a
seeded generator in :mod:`crawler.demosite.content`, so every run writes the same site.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kit:
    """Templates for one kind of story."""

    section: str
    tags: tuple[str, ...]
    headlines: tuple[str, ...]
    leads: tuple[str, ...]
    body: tuple[str, ...]
    quotes: tuple[str, ...]


POOLS: dict[str, tuple[str, ...]] = {
    "city": ("Bristol", "Leeds", "Rotterdam", "Lyon", "Gdansk", "Porto", "Aarhus",
             "Tampere", "Graz", "Bilbao", "Cork", "Utrecht", "Turin", "Malmo"),
    "official": ("Margaret Collins", "Pieter de Vries", "Elena Marchetti", "Tomasz Nowak",
                 "Claire Dubois", "Henrik Lund", "Fiona Gallagher", "Jorge Alvarez"),
    "expert": ("Dr Ruth Adeyemi", "Professor Karl Weber", "Dr Sofia Lindqvist",
               "Professor Daniel Osei", "Dr Nadia Rahman", "Professor Liam Walsh"),
    "company": ("Brightwater Energy", "Norland Foods", "Kestrel Logistics", "Altamira Systems",
                "Greyfield Motors", "Solent Pharma", "Meridian Telecom", "Harrow & Lyle"),
    "university": ("the University of Northfield", "Eastbridge Institute of Technology",
                   "the Royal Marsh College", "Lakeside University"),
    "team": ("Northfield Rovers", "Harbor City", "Valley Athletic", "Eastbridge United",
             "Marsh Town", "Kingsport Wanderers"),
    "weekday": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday"),
    "n": ("three", "four", "five", "six", "seven", "eight", "nine", "twelve"),
    "pct": ("2.4", "3.1", "4.7", "5.2", "6.8", "7.5", "1.9", "8.3"),
    "big": ("£14 million", "€32 million", "$48 million", "£120 million", "€2.1 billion",
            "$310 million", "£75 million"),
}

# The demo site's first ten stories, one per section; the later ones are in
# :mod:`crawler.demosite.more_prose`.
FIRST_KITS: tuple[Kit, ...] = (
    Kit(
        section="Politics",
        tags=("council", "budget"),
        headlines=("{city} council approves {big} spending plan after late-night vote",
                   "{city} councillors split over {big} budget as cuts loom"),
        leads=("Councillors in {city} approved a {big} budget on {weekday} after a debate that "
               "ran past midnight, ending weeks of wrangling over libraries, bus subsidies and "
               "the cost of repairing the city's ageing bridges.",),
        body=("The plan, which passed by a margin of {n} votes, raises local property charges "
              "by {pct} percent and freezes hiring in most departments until the end of the "
              "financial year. Opposition members said the increase would hit households "
              "already struggling with higher energy bills.",
              "Council leader {official} said the authority had been left with little choice "
              "after central government grants fell in real terms for the fourth year running. "
              "Officials estimate that the gap between income and statutory obligations would "
              "have reached {big} without the changes.",
              "Under the agreement, {n} branch libraries will move to shorter opening hours "
              "rather than close outright, a concession won by a group of independent "
              "councillors who had threatened to vote against the package.",
              "Spending on adult social care, which now accounts for more than a third of the "
              "budget, will rise again. Care providers had warned that several homes in the "
              "area were close to handing back their contracts.",
              "The budget also sets aside money for a study into a low-traffic zone around the "
              "city centre, an idea that drew hundreds of written objections during the public "
              "consultation last autumn.",
              "Residents who attended the meeting held placards outside the chamber before the "
              "session began. Several asked councillors to publish the full list of proposed "
              "savings, which officials said would be released within {n} weeks."),
        quotes=("\"Nobody came into local politics to close libraries or cut bus routes,\" "
                "{official} told the chamber. \"But we have a legal duty to balance the books, "
                "and this budget does that while protecting the services people rely on most.\"",
                "\"This is a budget that asks residents to pay more and get less,\" said the "
                "leader of the opposition group, who called for an independent review of the "
                "council's finances before any further cuts are made."),
    ),
    Kit(
        section="Business",
        tags=("interest rates", "inflation"),
        headlines=("Central bank holds rates as inflation eases to {pct} percent",
                   "Rate-setters signal patience as price growth slows to {pct} percent"),
        leads=("The central bank left its main interest rate unchanged on {weekday}, saying "
               "that inflation, which slowed to {pct} percent last month, was moving in the "
               "right direction but that it was too early to declare victory.",),
        body=("Policymakers voted {n} to two to keep borrowing costs on hold, with the two "
              "dissenters arguing for an immediate cut of a quarter of a percentage point. "
              "Markets had priced in a small chance of a move before the summer.",
              "Governor {official} told reporters that wage growth remained stronger than the "
              "bank was comfortable with and that services inflation in particular had proved "
              "stubborn. Rents, insurance and restaurant prices all rose faster than expected.",
              "Economists said the statement left the door open to a reduction in the coming "
              "months. \"The tone has clearly shifted,\" said {expert}, who follows monetary "
              "policy at {university}.",
              "Mortgage lenders have already begun trimming the rates on fixed-term deals, "
              "anticipating lower borrowing costs later in the year. Brokers reported a rise "
              "in applications for the first time since the autumn.",
              "The currency weakened slightly after the announcement, while government bond "
              "yields fell. Shares in housebuilders and retailers, which are sensitive to "
              "interest rates, rose in afternoon trading.",
              "The bank's new forecasts show growth of just under one percent this year, "
              "picking up next year as real incomes recover. Unemployment is expected to edge "
              "higher but remain low by historical standards."),
        quotes=("\"We need to see more evidence that the fall in inflation will last,\" "
                "{official} said. \"We are not there yet, but we are making progress.\"",
                "\"Households will take some comfort from this, but the squeeze on budgets is "
                "far from over,\" {expert} said, noting that prices remain well above where "
                "they were three years ago."),
    ),
    Kit(
        section="Business",
        tags=("shipping", "strike"),
        headlines=("Dock workers in {city} walk out over pay, halting container traffic",
                   "{city} port strike enters {weekday} as talks with {company} stall"),
        leads=("Hundreds of dock workers at the port of {city} walked off the job on {weekday}, "
               "bringing container traffic to a near standstill in a dispute over pay and "
               "shift patterns with the terminal operator {company}.",),
        body=("The union representing the workers said its members had rejected an offer of a "
              "{pct} percent pay rise, arguing that it fell short of inflation over the past "
              "two years. The company said the offer was fair and in line with the industry.",
              "At least {n} vessels were waiting at anchor outside the harbour by the evening, "
              "according to ship-tracking data, and freight forwarders warned customers to "
              "expect delays of several days.",
              "Retailers that depend on the port for clothing and electronics said they had "
              "built up stock ahead of the strike but could not absorb a long stoppage. Food "
              "importers were diverting some cargoes to smaller ports along the coast.",
              "Mediators from the national conciliation service met both sides for more than "
              "six hours on the first day of the strike. No date has been set for further talks.",
              "The port handles roughly a fifth of the country's container imports, and a "
              "previous walkout {n} years ago cost the regional economy an estimated {big}.",
              "Local businesses near the terminal said trade had dropped sharply as lorry "
              "drivers stayed away. Picket lines were peaceful, police said."),
        quotes=("\"Our members kept this port running through the pandemic,\" said union "
                "organiser {official}. \"All they are asking for is a wage that keeps up with "
                "the cost of living.\"",
                "\"We remain committed to reaching an agreement and urge the union to return to "
                "the table,\" {company} said in a statement."),
    ),
    Kit(
        section="Environment",
        tags=("flooding", "weather"),
        headlines=("Flood warnings issued across {city} region after days of heavy rain",
                   "River bursts banks near {city} as forecasters warn of more rain"),
        leads=("Emergency services in and around {city} were on high alert on {weekday} after "
               "days of persistent rain pushed rivers to their highest levels in more than a "
               "decade, forcing the evacuation of dozens of homes.",),
        body=("The environment agency issued {n} severe flood warnings, its highest level of "
              "alert, meaning there is a danger to life. Temporary barriers were put up along "
              "the river front overnight.",
              "Some areas received more than a month's worth of rain in 48 hours, according to "
              "the national weather service, which said a further band of heavy showers was "
              "expected to arrive at the weekend.",
              "Rail services between {city} and neighbouring towns were suspended after a "
              "section of track was flooded, and several schools closed for the day. Drivers "
              "were urged not to attempt to cross flooded roads.",
              "Volunteers filled sandbags at a community centre that had been turned into a "
              "rest centre for residents who had left their homes. The local authority said "
              "it had found temporary accommodation for {n} families.",
              "Scientists say a warmer atmosphere holds more moisture, making intense downpours "
              "more likely. {expert} of {university} said the pattern matched what climate "
              "models had long predicted for the region.",
              "Insurers said it was too early to estimate the cost of the damage, but that "
              "claims were already coming in from homeowners and small businesses."),
        quotes=("\"I have lived here for thirty years and I have never seen the water this "
                "high,\" one resident said as she carried belongings to a neighbour's car.",
                "\"Please heed the warnings,\" said {official}, who leads the regional "
                "emergency response. \"If you are told to leave, leave.\""),
    ),
    Kit(
        section="Health",
        tags=("hospitals", "waiting lists"),
        headlines=("Hospital waiting lists in {city} fall for the first time in a year",
                   "Fewer patients in {city} wait over 18 weeks, figures show"),
        leads=("The number of patients waiting for planned treatment at hospitals serving "
               "{city} changed direction last month, according to figures published on "
               "{weekday}, as health officials credited a push to clear the longest waits.",),
        body=("The data show that around {pct} percent of patients have now waited longer than "
              "the 18-week target, with orthopaedics and eye surgery among the hardest-hit "
              "specialities.",
              "Hospital managers said extra weekend operating lists and the use of private "
              "clinics had helped, but warned that progress would be fragile if demand rose "
              "again in the winter.",
              "Staff shortages remain the biggest obstacle. The regional health board has "
              "{n} hundred nursing vacancies and has begun recruiting from overseas to fill "
              "some of them.",
              "Patient groups said the averages hid wide differences between hospitals. In one "
              "trust, the median wait for a hip replacement is nearly twice that of its "
              "neighbour.",
              "A new surgical centre funded by a {big} grant is due to open next year and is "
              "expected to carry out thousands of routine procedures a year away from busy "
              "emergency departments.",
              "Doctors' representatives welcomed the figures but said the workforce was "
              "exhausted and that many senior staff were considering early retirement."),
        quotes=("\"Behind every number on a waiting list is a person in pain,\" said {official}, "
                "chief executive of the regional health board. \"We are not complacent.\"",
                "\"We hear every day from people who cannot work or care for their families "
                "while they wait,\" said a spokesperson for a patients' charity."),
    ),
    Kit(
        section="Technology",
        tags=("technology", "jobs"),
        headlines=("{company} to cut {n} hundred jobs as it bets on automation",
                   "{company} to save {big} a year by automating operations"),
        leads=("{company} said on {weekday} it would reorganise its operations around "
               "automated systems, a shift that the company expects to save {big} a year and "
               "that will change the work of thousands of employees.",),
        body=("The company said the changes would be phased in over two years and that it "
              "would try to move affected staff into new roles where possible. Unions said they "
              "had not been consulted.",
              "Chief executive {official} told analysts on a conference call that the new "
              "systems had already cut processing times in pilot sites by more than half.",
              "Shares in the company rose {pct} percent in morning trading, as investors "
              "welcomed the prospect of higher margins after a difficult year for the sector.",
              "Labour economists cautioned that the promised productivity gains often take "
              "longer to arrive than companies expect. {expert} of {university} said the "
              "history of earlier waves of automation suggested a mixed picture for workers.",
              "The company also said it would open a training academy in {city}, offering "
              "courses in data analysis and systems maintenance to current employees.",
              "Competitors have announced similar plans in recent months, and industry groups "
              "have called on the government to fund retraining schemes."),
        quotes=("\"This is about making sure we are still here and still competitive in ten "
                "years,\" {official} said.",
                "\"Workers should share in the gains from new technology, not just bear the "
                "costs,\" a union representative said."),
    ),
    Kit(
        section="Science",
        tags=("research", "science"),
        headlines=("Researchers at {university} report advance in battery recycling",
                   "{university} team finds cheaper way to recycle battery metals"),
        leads=("Scientists at {university} say they have found a cheaper way to recover metals "
               "from used batteries, a result published this week that could make recycling "
               "far more attractive to manufacturers.",),
        body=("The team, led by {expert}, used a low-temperature process that recovered more "
              "than {n} times as much material as conventional methods in laboratory tests, "
              "while using less energy.",
              "The work was funded in part by a {big} government programme aimed at building "
              "a domestic supply of critical minerals, which are mostly mined and processed "
              "abroad.",
              "Independent researchers said the results were promising but cautioned that "
              "scaling up chemical processes from the laboratory to an industrial plant often "
              "reveals new problems.",
              "The university has filed a patent application and is in talks with {company} "
              "about building a pilot facility near {city}.",
              "The study drew on samples from {n} different types of battery, including those "
              "used in phones, electric bicycles and grid storage systems.",
              "Global demand for battery materials is expected to grow several-fold this "
              "decade as electric vehicles replace petrol and diesel cars."),
        quotes=("\"What excites us is how simple the process is,\" {expert} said. \"It uses "
                "equipment that most recycling plants already have.\"",
                "\"It is an elegant piece of chemistry, but the real test will be whether it "
                "works at scale,\" said a materials scientist who was not involved in the study."),
    ),
    Kit(
        section="Sport",
        tags=("football",),
        headlines=("{team} come from behind to reach cup final",
                   "Late goals send {team} into cup final"),
        leads=("{team} produced a dramatic second-half comeback on {weekday} night, scoring "
               "twice in the final quarter of an hour to book a place in the cup final in "
               "front of a sell-out crowd.",),
        body=("The visitors had led at half-time through a header from a corner and looked "
              "comfortable for long spells, with their goalkeeper making {n} saves.",
              "The equaliser came from a counter-attack in the 77th minute, and the winner "
              "arrived four minutes from time when a low shot deflected in off a defender.",
              "The result caps a remarkable turnaround for a club that was bottom of the "
              "table in October and changed its manager before Christmas.",
              "Ticket sales for the final opened within an hour of the final whistle, and the "
              "club said demand had already exceeded its allocation several times over.",
              "Injuries remain a worry. The captain limped off in the second half and will "
              "have a scan on his hamstring later in the week.",
              "Supporters stayed in the stadium long after the match, singing as the players "
              "completed a lap of honour."),
        quotes=("\"I told the players at half-time that we had nothing to lose,\" the manager "
                "said. \"They showed character, and the crowd carried us.\"",
                "\"It is the best night I have had in football,\" said one supporter who has "
                "held a season ticket for more than twenty years."),
    ),
    Kit(
        section="Culture",
        tags=("arts", "festival"),
        headlines=("{city} arts festival draws record crowds in its tenth year",
                   "Record crowds for {city} arts festival as programme grows"),
        leads=("More than {n} hundred thousand people attended the arts festival in {city} "
               "this year, organisers said on {weekday}, a record for an event that began as "
               "a weekend of street theatre a decade ago.",),
        body=("The programme ran to more than two hundred performances across {n} venues, "
              "from a converted tram depot to the cathedral cloister.",
              "Organisers said ticket sales had covered a larger share of costs than ever "
              "before, reducing the festival's reliance on a {big} grant from the regional "
              "arts council.",
              "Local hotels reported occupancy rates close to full for the opening weekend, "
              "and restaurants in the old town extended their opening hours.",
              "Not everyone was pleased. Residents near the main stage complained about noise "
              "late at night, and the council said it would review licensing conditions.",
              "Festival director {official} said next year's edition would include more "
              "free events in outlying neighbourhoods.",
              "Critics singled out a new staging of a nineteenth-century opera, performed in "
              "a car park with an orchestra on scaffolding, as the highlight of the programme."),
        quotes=("\"We wanted a festival that belongs to the whole city, not just the centre,\" "
                "{official} said.",
                "\"It has changed how people see this place,\" said a café owner near the main "
                "square. \"Visitors come back now.\""),
    ),
    Kit(
        section="Local",
        tags=("transport", "rail"),
        headlines=("New tram line in {city} opens two years late and {big} over budget",
                   "{city} tram line finally opens after two-year delay"),
        leads=("The first passengers rode the new tram line in {city} on {weekday}, two years "
               "after it was originally due to open and at a final cost of {big} more than the "
               "original estimate.",),
        body=("The line links the central station with {n} suburbs to the north, and planners "
              "expect it to carry about forty thousand journeys a day once it is running at "
              "full frequency.",
              "Construction was delayed by the discovery of old mine workings under part of "
              "the route and by a dispute with the main contractor, {company}, that ended up "
              "in court.",
              "Transport chief {official} apologised for the disruption caused during the "
              "works but said the line would transform travel in the north of the city.",
              "Fares will be capped at the same level as buses for the first year. Season "
              "tickets will be valid on both networks.",
              "Shop owners along the route, who endured years of road closures, said they "
              "hoped the trams would bring back customers.",
              "A further extension to the airport has been proposed but is not yet funded."),
        quotes=("\"It has been a long road, but today is about the future,\" {official} said at "
                "the opening ceremony.",
                "\"I used to need two buses to get to work. Now it is one tram and twenty "
                "minutes,\" said a nurse travelling on the first service."),
    ),
)

CONTEXT: tuple[str, ...] = (
    "The announcement comes at a sensitive time, with national elections expected within "
    "the next year and opinion polls showing voters increasingly concerned about the cost "
    "of living and the state of public services.",
    "Similar debates are under way in other cities across the region, where officials "
    "face the same combination of rising costs, tight budgets and growing demand.",
    "Figures from the national statistics office published last month showed that "
    "household spending had stalled, with families cutting back on non-essential items.",
    "Analysts said the next few weeks would be crucial, with several related decisions "
    "due before the summer break.",
    "The issue is expected to be raised again at the next meeting of regional leaders, "
    "scheduled for the end of the month.",
    "Local newspapers and radio stations have received a steady stream of letters and calls "
    "on the subject, and a public meeting organised by residents last week drew a crowd "
    "that spilled out into the street.",
    "It is not the first time the issue has surfaced. A similar dispute a decade ago was "
    "settled only after months of negotiation and a promise of further review that critics "
    "say was never kept.",
    "Opposition politicians said the episode showed the need for a long-term plan rather "
    "than the short-term fixes that have been tried in recent years.",
    "Officials stressed that the figures were provisional and could be revised once more "
    "complete data became available later in the year.",
    "Comparable cities elsewhere in Europe have taken different approaches, and officials "
    "said they had studied several of them before reaching a decision.",
)

CLOSINGS: tuple[str, ...] = (
    "A further update is expected on {weekday}.",
    "Officials said they would publish more details in the coming weeks.",
    "Neither side would comment on the timing of the next steps.",
    "The matter will be reviewed again in {n} months.",
)
