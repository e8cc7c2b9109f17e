"""The demo site's later story kits: a second story for most sections (see
:mod:`crawler.demosite.prose` for the kits' form and the first story of each section)."""

from __future__ import annotations

from crawler.demosite.prose import Kit

LATER_KITS: tuple[Kit, ...] = (
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
