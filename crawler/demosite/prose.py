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

KITS: tuple[Kit, ...] = (
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
    Kit(
        section="Environment",
        tags=("wildfires", "drought"),
        headlines=("Wildfire near {city} forces evacuation of {n} villages",
                   "Firefighters battle blaze in hills above {city} as drought deepens"),
        leads=("More than {n} hundred firefighters were battling a wildfire in the hills above "
               "{city} on {weekday}, as dry winds pushed the flames towards villages that had "
               "been evacuated overnight.",),
        body=("The fire has burned through an area roughly the size of two thousand football "
              "pitches since it broke out on a forested slope late on Sunday afternoon. Its "
              "cause is under investigation.",
              "Water-bombing aircraft were grounded for part of the morning by strong gusts, "
              "leaving crews on the ground to cut firebreaks with bulldozers and hand tools.",
              "The region has had less than half its normal rainfall since the start of the "
              "year, and reservoirs are at their lowest level for the season in two decades.",
              "Residents were taken to sports halls in neighbouring towns. Farmers were allowed "
              "back briefly under police escort to move livestock away from the fire line.",
              "The regional government declared a state of emergency, releasing funds for "
              "overtime and equipment and allowing it to requisition private water tankers.",
              "Smoke from the fire drifted over {city} during the day, and health officials "
              "advised people with breathing problems to stay indoors with windows shut."),
        quotes=("\"The wind is our biggest enemy right now,\" said {official}, who is "
                "coordinating the response. \"Every time we get a line in place, it jumps.\"",
                "\"We left with what we could carry,\" said one villager at an evacuation "
                "centre. \"We do not know yet whether the house is still standing.\""),
    ),
    Kit(
        section="Business",
        tags=("aviation", "strike"),
        headlines=("Air traffic controllers' walkout grounds flights at {city} airport",
                   "Hundreds of flights cancelled as {city} airport strike begins"),
        leads=("Airlines cancelled hundreds of flights in and out of {city} on {weekday} as "
               "air traffic controllers began a {n}-day strike over staffing levels, stranding "
               "travellers at the start of a school holiday.",),
        body=("Departure boards at the main terminal showed rows of cancellations by early "
              "morning, and queues at airline service desks stretched back to the entrance.",
              "The controllers' union says the service is short of more than a hundred staff "
              "and that its members have been asked to work excessive overtime to cover gaps.",
              "The air navigation agency said it had offered to recruit additional trainees "
              "and improve rostering, but that the union's demands on pay were unaffordable.",
              "{company}, the biggest carrier at the airport, said it expected to cancel about "
              "{pct} percent of its schedule each day of the strike and would offer refunds "
              "or free rebooking.",
              "Tourism businesses warned that the dispute could cost the region {big} if it "
              "dragged on into the summer, when visitor numbers peak.",
              "Some passengers hired cars or took overnight trains to reach other airports, "
              "where extra flights had been laid on."),
        quotes=("\"We have been warning about this for years,\" said union spokesperson "
                "{official}. \"The system only works because people skip their breaks.\"",
                "\"We saved for this trip for a year,\" said a father of three waiting at the "
                "check-in hall. \"Nobody can tell us when we will get out.\""),
    ),
    Kit(
        section="Education",
        tags=("schools", "teachers"),
        headlines=("Teacher shortage leaves {city} schools relying on supply staff",
                   "Schools in {city} struggle to fill maths and science posts"),
        leads=("Secondary schools in {city} started the term with more than {n} dozen "
               "teaching posts unfilled, according to a survey of head teachers published on "
               "{weekday}, with maths, physics and computing the hardest subjects to staff.",),
        body=("Head teachers said they were relying on agency supply staff, merging classes "
              "and asking teachers to cover subjects outside their specialism.",
              "The number of graduates applying for teacher training in the region has fallen "
              "for three years in a row, and one in five newly qualified teachers leaves the "
              "profession within five years.",
              "Education official {official} said the authority would offer relocation "
              "payments and subsidised housing to attract teachers from other regions.",
              "Parents at one school said their children had been taught by {n} different "
              "teachers in a single subject over the past year.",
              "Researchers at {university} have found that high turnover of teaching staff is "
              "linked to lower exam results, particularly in schools serving poorer areas.",
              "Teaching unions said workload, rather than pay alone, was driving people away, "
              "and called for a cap on the hours teachers can be asked to work."),
        quotes=("\"We are doing everything we can, but you cannot timetable a teacher who does "
                "not exist,\" one head teacher said.",
                "\"Children only get one chance at their education,\" {expert} said. \"Gaps "
                "like these leave a mark that lasts.\""),
    ),
    Kit(
        section="Business",
        tags=("housing", "rents"),
        headlines=("Rents in {city} rise {pct} percent as supply of homes dries up",
                   "{city} tenants face steepest rent rises in a decade"),
        leads=("Average rents for new tenancies in {city} rose {pct} percent over the past "
               "year, according to figures released on {weekday}, as the number of homes "
               "available to let fell to its lowest level on record.",),
        body=("Letting agents said a typical two-bedroom flat now attracted dozens of "
              "enquiries within hours of being advertised, and that bidding above the asking "
              "rent had become common.",
              "Landlords blame higher mortgage costs and new regulations for pushing some "
              "small investors to sell up, reducing the stock of rental homes.",
              "Housing charities said more families were being placed in temporary "
              "accommodation, at a cost to the council of {big} last year.",
              "Construction of new homes in the city has slowed as developers wait for "
              "borrowing costs to fall, and several large schemes have been put on hold.",
              "Young professionals are increasingly moving to towns further out and "
              "commuting, a trend that has pushed up rents in places that were once cheaper.",
              "Council housing chief {official} said the authority would build {n} hundred "
              "homes for social rent over the next five years."),
        quotes=("\"Half my salary goes on rent, and I share a flat with two other people,\" "
                "said a nurse who has lived in the city for six years.",
                "\"Without a big increase in building, these pressures are not going away,\" "
                "said {expert} of {university}."),
    ),
    Kit(
        section="Politics",
        tags=("elections", "coalition"),
        headlines=("Coalition talks drag on {n} weeks after inconclusive vote",
                   "Parties edge towards coalition deal as deadline looms"),
        leads=("Negotiators from the three parties trying to form a governing coalition met "
               "again on {weekday}, {n} weeks after an election that left no party with a "
               "majority and exposed deep divisions over tax and immigration.",),
        body=("People familiar with the talks said the parties had agreed on most of a joint "
              "programme but remained at odds over the budget deficit and the pace of "
              "spending on defence.",
              "{official}, whose party came first in the vote, has said she wants a government "
              "in place before the summer, when the next budget has to be prepared.",
              "The smallest of the three parties has threatened to walk away unless it is "
              "given the finance ministry, a demand its partners have so far rejected.",
              "Opinion polls suggest voters are growing impatient, and support for parties "
              "outside the talks has risen since the election.",
              "Constitutional experts note that there is no legal deadline for forming a "
              "government, but that a caretaker cabinet cannot introduce major new policies.",
              "Business groups have urged the parties to reach agreement quickly, warning that "
              "uncertainty is delaying investment decisions worth {big}."),
        quotes=("\"We are close, but close is not the same as finished,\" {official} told "
                "reporters as she left the building late in the evening.",
                "\"Every week without a government is a week without decisions,\" said "
                "{expert}, a political scientist at {university}."),
    ),
    Kit(
        section="Technology",
        tags=("cybersecurity",),
        headlines=("Cyberattack disrupts council services in {city}",
                   "{city} council systems still down days after ransomware attack"),
        leads=("Council services in {city} were severely disrupted on {weekday} after a "
               "ransomware attack forced officials to shut down computer systems, leaving "
               "staff unable to process benefit claims, planning applications or parking "
               "permits.",),
        body=("The council said it had found no evidence so far that residents' personal data "
              "had been stolen, but that the investigation was at an early stage.",
              "Specialists from the national cybersecurity agency were working with the "
              "council's own technology team to restore systems from backups.",
              "Phone lines were also affected, and residents were asked to visit the town hall "
              "in person for urgent matters such as housing emergencies.",
              "A criminal group posted a message on a dark-web site claiming responsibility "
              "and demanding payment. The council said it would not pay a ransom.",
              "Public bodies have become frequent targets for such attacks because they hold "
              "large amounts of sensitive data and often run ageing software.",
              "Councillors asked for an independent review of the authority's security "
              "arrangements, which an audit last year rated as needing improvement."),
        quotes=("\"Our priority is to keep vulnerable people safe while we get systems back "
                "online,\" said council chief executive {official}.",
                "\"Attacks like this are rarely sophisticated; they exploit basic weaknesses "
                "that have not been fixed,\" said {expert}."),
    ),
    Kit(
        section="Science",
        tags=("space", "satellites"),
        headlines=("Weather satellite built in {city} reaches orbit",
                   "{company} satellite launch marks milestone for region's space industry"),
        leads=("A weather satellite designed and built by engineers in {city} reached orbit "
               "on {weekday} after a launch that was delayed twice by bad weather, a "
               "milestone for the region's small but fast-growing space industry.",),
        body=("The satellite, about the size of a washing machine, carries instruments that "
              "measure temperature and moisture in the atmosphere and will feed data into "
              "weather forecasts.",
              "Ground controllers confirmed that its solar panels had unfolded and that it was "
              "communicating normally about an hour after separation from the rocket.",
              "The project was built by {company} with support from {university}, which "
              "developed the satellite's main sensor, and cost about {big}.",
              "The company employs around {n} hundred people and says it expects to double in "
              "size over the next three years as demand for small satellites grows.",
              "Forecasters said the new data would be particularly useful for predicting "
              "sudden heavy rain, which is hard to model with existing observations.",
              "The satellite is expected to operate for at least seven years before it is "
              "steered down to burn up in the atmosphere."),
        quotes=("\"Seeing it come to life after six years of work is hard to describe,\" said "
                "{expert}, who led the instrument team.",
                "\"This shows that you do not need to be in a capital city to build world-class "
                "technology,\" said {official}."),
    ),
    Kit(
        section="Sport",
        tags=("athletics", "marathon"),
        headlines=("Course record falls at {city} marathon",
                   "Thousands run through {city} streets as marathon returns"),
        leads=("The {city} marathon course record fell on {weekday} as the winner crossed the "
               "line more than a minute inside the old mark, cheered on by crowds several deep "
               "along the final stretch by the river.",),
        body=("The winner broke away from a leading group of {n} runners shortly after the "
              "halfway point and ran the second half of the race alone.",
              "Conditions were close to ideal, with a cool morning and almost no wind, and "
              "organisers said more runners than ever finished in under three hours.",
              "Around twenty thousand people took part, many raising money for charity. "
              "Organisers estimate that the event raised {big} for good causes.",
              "Medical teams treated a number of runners for exhaustion and minor injuries, "
              "but none was seriously hurt, the organisers said.",
              "Roads in the city centre reopened by mid-afternoon. Some residents complained "
              "about closures that had been poorly signposted.",
              "The women's race was won in a sprint finish, with the top two separated by "
              "less than a second after more than two hours of running."),
        quotes=("\"I felt good from the start, so I decided to be brave,\" the winner said "
                "after the race. \"The crowd carried me home.\"",
                "\"Every year it gets bigger, and every year the city gets behind it,\" said "
                "race director {official}."),
    ),
    Kit(
        section="Culture",
        tags=("books", "prizes"),
        headlines=("Debut novel about a {city} shipyard wins fiction prize",
                   "First-time novelist takes fiction prize with story of {city} family"),
        leads=("A debut novel set in the shipyards of {city} won the country's most valuable "
               "fiction prize on {weekday}, beating a shortlist that included two former "
               "winners.",),
        body=("The book follows three generations of a family of welders through the boom "
              "years, the closure of the yard and the decades that followed.",
              "The judges praised its sharp dialogue and its refusal to sentimentalise "
              "working life, calling it a novel that is both funny and angry.",
              "The author, a former teacher who wrote the book in the early mornings before "
              "work, said she had been rejected by {n} publishers before finding a small "
              "independent press.",
              "Sales of the novel had already risen sharply after it was shortlisted, and the "
              "publisher said it was ordering a large reprint.",
              "The prize was founded to reward books that reach a wide readership, and past "
              "winners have been adapted for film and television.",
              "Booksellers said the win was a boost for independent publishers, which have "
              "struggled with rising paper and distribution costs."),
        quotes=("\"I wrote it for my grandfather, who never read a novel in his life,\" the "
                "author said in her acceptance speech.",
                "\"It is a book that will last,\" said the chair of the judges, {expert}."),
    ),
    Kit(
        section="Business",
        tags=("manufacturing", "jobs"),
        headlines=("{company} to close {city} factory, putting {n} hundred jobs at risk",
                   "Workers stunned as {company} announces {city} plant closure"),
        leads=("{company} said on {weekday} it plans to close its factory in {city} by the "
               "end of next year, moving production abroad and putting around {n} hundred "
               "jobs at risk.",),
        body=("The company blamed high energy costs and falling demand for the products made "
              "at the plant, which has operated on the same site for more than sixty years.",
              "Workers were told of the decision at a meeting on the factory floor. Union "
              "officials said they would fight the closure and demanded talks.",
              "The plant is one of the biggest private employers in the area, and local "
              "suppliers said they would also have to cut jobs if it closed.",
              "Regional leader {official} said she had spoken to the company's management and "
              "would explore whether public support could keep the factory open.",
              "Economists said the decision reflected wider pressures on energy-intensive "
              "manufacturing, which has lost ground to competitors with cheaper power.",
              "The company said it would offer redeployment to other sites where possible and "
              "pay redundancy above the legal minimum."),
        quotes=("\"My father worked here, and I thought my son would too,\" said one "
                "machine operator. \"Now nobody knows what happens next.\"",
                "\"This was a difficult decision, taken after examining every alternative,\" "
                "{company} said in a statement."),
    ),
    Kit(
        section="Health",
        tags=("heatwave", "public health"),
        headlines=("Heat health alert issued as {city} braces for record temperatures",
                   "{city} opens cooling centres as heatwave tightens its grip"),
        leads=("Health officials issued their highest heat alert for {city} on {weekday}, "
               "warning that temperatures could reach record levels later in the week and "
               "urging people to check on elderly neighbours.",),
        body=("The city opened {n} cooling centres in libraries and community halls, where "
              "people can rest in air-conditioned rooms and get water.",
              "Hospitals postponed some routine operations to free up staff and beds, and "
              "ambulance services reported a rise in calls for heat exhaustion.",
              "Older people, young children and those with heart or lung conditions are most "
              "at risk, and officials advised avoiding the sun in the middle of the day.",
              "Some schools shortened their hours, and outdoor sports events for children "
              "were cancelled or moved to the early morning.",
              "Scientists say heatwaves in the region have become longer and more intense, "
              "and that cities are particularly affected because concrete and asphalt store "
              "heat overnight.",
              "Water companies asked customers to use water sparingly, though they said "
              "there were no plans yet for a hosepipe ban."),
        quotes=("\"Heat is a silent killer,\" said {official}, the city's director of public "
                "health. \"Most of the people who die in heatwaves die at home, alone.\"",
                "\"We have planted trees and opened fountains, but we need to do much more,\" "
                "{expert} said."),
    ),
    Kit(
        section="Local",
        tags=("roads", "infrastructure"),
        headlines=("Main bridge in {city} closed after inspectors find cracks",
                   "{city} bridge closure leaves commuters facing long detours"),
        leads=("The main road bridge across the river in {city} was closed to traffic on "
               "{weekday} after a routine inspection found cracks in supporting beams, forcing "
               "thousands of commuters onto long detours.",),
        body=("Engineers said the bridge, built in the 1960s, would stay closed at least "
              "until a detailed assessment was completed, which could take {n} weeks.",
              "Pedestrians and cyclists can still cross, but buses have been diverted and "
              "journey times on some routes have doubled.",
              "Businesses on the far side of the river said they had seen fewer customers "
              "since the closure and asked for help with lost trade.",
              "The city council said the bridge had been on a list of structures needing "
              "repair for several years, but that funding had not been available.",
              "Transport official {official} said temporary traffic lights and a shuttle bus "
              "would be introduced to ease congestion.",
              "A full replacement of the bridge could cost {big}, according to an estimate "
              "prepared for the council last year."),
        quotes=("\"Safety has to come first, even if that means disruption,\" {official} "
                "said.",
                "\"A ten-minute drive now takes me forty-five,\" said a delivery driver "
                "waiting in traffic at the diversion."),
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
