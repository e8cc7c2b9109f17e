"""Hand-written stories: the Reuters wire copy two outlets share and the Russian article."""

from __future__ import annotations

COURIER_HEADLINE = "Britain's water companies face record fines over sewage spills"
LEDGER_HEADLINE = "UK regulator proposes record penalties for water firms after sewage leaks"

REUTERS_PARAGRAPHS: tuple[str, ...] = (
    "LONDON (Reuters) - Britain's water regulator on Wednesday proposed record penalties "
    "totalling 168 million pounds against three of the country's biggest water companies, "
    "saying they had failed to stop untreated sewage from flowing into rivers and the sea.",
    "The regulator said an investigation covering more than 2,000 treatment works had found "
    "that the companies did not invest enough to keep pace with a growing population and "
    "heavier rainfall, and in some cases misreported how often their overflows were used.",
    "\"Customers have paid for a service they did not receive,\" the regulator's chief "
    "executive said in a statement. \"These penalties are meant to make sure that never "
    "becomes a cheaper option than fixing the problem.\"",
    "The companies have until the end of next month to respond before the fines are "
    "confirmed. One of them said it would contest the findings, while the other two said "
    "they were reviewing the report and were committed to cutting spills.",
    "Sewage discharges have become a political issue in Britain, where campaigners and "
    "swimmers have documented pollution at popular beaches and along rivers. The opposition "
    "Labour Party has promised tougher rules, including jail terms for executives in the "
    "worst cases.",
    "Shares in the two listed companies fell about 2% in early trading in London, "
    "underperforming the wider FTSE 100 index.",
    "The industry has said it plans to invest around 96 billion pounds over the next five "
    "years, partly funded by higher customer bills that the regulator is due to rule on in "
    "December.",
    "Reporting by Kate Holton; Editing by Mark Potter",
)

RUSSIAN_TITLE = "Городской совет одобрил реконструкцию набережной"
RUSSIAN_SLUG = "gorsovet-odobril-rekonstrukciyu-naberezhnoj"

RUSSIAN_PARAGRAPHS: tuple[str, ...] = (
    "Городской совет в четверг одобрил план реконструкции речной набережной, который "
    "обсуждался почти два года. Работы начнутся осенью и продлятся не менее трёх лет.",
    "По словам главы комиссии по благоустройству, проект обойдётся городу примерно в "
    "четыре миллиона евро. Часть средств выделит региональный фонд развития, остальное "
    "будет взято из городского бюджета.",
    "План предусматривает расширение пешеходной зоны, новые велосипедные дорожки, "
    "освещение и укрепление берега, который в последние годы несколько раз подтапливало "
    "во время весеннего половодья.",
    "«Набережная должна стать местом, куда приходят жители всех районов, а не только "
    "туристы», — сказала депутат совета Ирина Козлова, которая возглавляла рабочую группу "
    "по проекту.",
    "Владельцы кафе и магазинов на набережной опасаются, что стройка отпугнёт посетителей. "
    "Городская администрация пообещала проводить работы поэтапно, чтобы большая часть "
    "променада оставалась открытой.",
    "Последний раз набережную ремонтировали более двадцати лет назад. С тех пор "
    "покрытие во многих местах разрушилось, а часть скамеек и фонарей пришлось убрать "
    "из соображений безопасности.",
    "Жители смогут ознакомиться с проектом на выставке в здании городской библиотеки, "
    "которая откроется в следующий понедельник. Замечания принимаются до конца апреля.",
)
