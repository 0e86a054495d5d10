"""Word lists for quotation attribution: data only, read by the modules of indexer.quotes.

Everything here is lower case; lookups lower-case the word first.
"""

from __future__ import annotations


def _words(text: str) -> frozenset[str]:
    """The whitespace-separated words of a block of text."""
    return frozenset(text.split())


# Verbs (and verb phrases) that introduce or close a quotation: "...," Kirby said.
CUE_VERBS = _words(
    """
    said says say saying told tells tell telling added adds adding asked asks asking
    explained explains explaining noted notes noting wrote writes writing stated states
    declared declares insisted insists insisting argued argues arguing continued continues
    recalled recalls warned warns warning claimed claims announced announces replied replies
    responded responds tweeted tweets posted posts joked jokes quipped quips conceded concedes
    acknowledged acknowledges admitted admits suggested suggests predicted predicts promised
    promises vowed vows urged urges stressed stresses emphasized emphasizes observed observes
    remarked remarks commented comments complained complains countered counters shouted
    yelled cried mused muses boasted boasts pledged pledges charged charges alleged alleges
    contended contends maintained maintains testified testifies recounted recounts described
    describes called calls reiterated reiterates repeated repeats concluded concludes
    announced agreed agrees cautioned cautions confirmed confirms denied denies disputed
    wondered wonders thundered proclaimed proclaims exclaimed read reads reported reports
    summed sums put puts went go goes chimed interjected interrupted texted emailed
    retorted scoffed sighed laughed whispered lamented laments touted touts bragged brags
    blasted slammed mocked mocks praised praises criticized criticizes acknowledged
    assured assures reminded reminds pointed points tweeted answered answers began begins
    opined conceded shot snapped fired pleaded announcing writing remarking riffed
    deadpanned chanted chanting chant chants shouting yelling repeat repeating counter argue
    insist warn declare note calling praising hailing dubbing labeling labelling branding
    """
)

# Cues that only count when they come right after the quotation or its speaker.
WEAK_CUES = _words("called calls put puts went go goes read reads began begins")

# Words opening a clause before a sentence's subject: "When Kirby spoke, ..." (up to the comma).
SUBORDINATORS = _words(
    "when after before as while if since although though because once until like"
)

# Prepositions opening a sentence with a phrase before its subject: "On Monday, Trump said".
OPENING_PREPOSITIONS = _words("on in at during after before for from with without amid despite")

# Pronouns that stand for a person speaking.
PERSON_PRONOUNS = frozenset({"he", "she"})

# Words opening a phrase that brings in someone new: "said a manager", "another official said".
INDEFINITE_WORDS = _words("a an another one some several many two three four five")

# Titles and honorifics written before a name; not part of the name, kept as speaker_role.
TITLE_WORDS = _words(
    """
    mr mrs ms miss dr prof president vice secretary gen general sen senator rep representative
    gov governor lt col maj capt adm sgt cmdr judge justice chairman chairwoman chair
    speaker leader minister prime ambassador mayor commissioner director deputy
    former the late acting state u.s us press national security council defense homeland
    pastor rev reverend sheikh undersecretary under-secretary
    democratic republican gop democrat candidate nominee house senate majority minority
    whip assemblyman assemblywoman councilman councilwoman congressman congresswoman del
    delegate treasury foreign interior energy commerce education
    transportation agriculture affairs spokesman spokeswoman
    superintendent sheriff inspector sir ceo cfo coo correspondent
    """
)

# Lower-case nouns that describe a role: "coordinator John Kirby", "the senator said".
ROLE_NOUNS = _words(
    """
    president secretary senator congressman congresswoman governor spokesman spokeswoman
    spokesperson coordinator adviser advisor aide chairman chairwoman chair director
    manager strategist official candidate nominee leader minister ambassador mayor
    attorney commissioner representative lawmaker democrat republican lawyer founder
    chief executive ceo analyst professor economist pollster consultant operative
    businessman businesswoman billionaire mogul host anchor editor columnist reporter
    correspondent author activist organizer general admiral commander colonel sheriff
    judge justice speaker whip treasurer delegate committeeman committeewoman
    """
)

# Capitalised words that start no name: sentence openers, days, months, and the like.
NOT_NAME_WORDS = _words(
    """
    a an the and but or nor so yet for if then than that this these those there here
    when while where why how what which who whom whose after before since until as at by
    in on of to from with without into onto over under about above below between among
    during through throughout against despite although though because unless also even
    still just only however meanwhile moreover instead indeed later earlier last next
    first second third now today yesterday tomorrow tonight it its it's he she they we
    i you his her their our my your him them us me one some many most more much several
    both each every all any no not none neither either another other such like
    monday tuesday wednesday thursday friday saturday sunday
    january february march april may june july august september october november december
    jan feb mar apr jun jul aug sep sept oct nov dec
    sunday's monday's yes oh well asked said says according speaking
    rather instead besides otherwise nevertheless nonetheless thus hence therefore likewise
    similarly anyway perhaps maybe certainly clearly obviously apparently actually finally
    ultimately eventually initially unfortunately fortunately story whereas
    """
)

# Words that mark a capitalised run as an organisation or place, not a person.
NON_PERSON_WORDS = _words(
    """
    house senate congress committee party campaign department administration agency
    council court office university college school institute foundation center centre
    association union news times post journal network group company corporation inc
    corp llc bank fund street avenue city county state states republic kingdom united
    america american americans new north south east west fox cnn nbc abc cbs msnbc npr
    pbs politico twitter facebook google bureau commission board church army navy force
    forces police guard service services media press magazine tribune herald daily
    review club league federation organization society museum hall halle
    """
)

# Lower-case words inside a name that belong to it: Ursula von der Leyen, Osama bin Laden.
# Only the lower-case spelling counts: "Al Gore" and "Robert De Niro" hold no particle.
NAME_PARTICLES = _words("de da del della der van von bin ibn al la le du di dos das den ter")

# Title abbreviations spelled out, so "the senator" finds "Sen. Gordon Humphrey".
TITLE_ALIASES = {
    "sen": "senator",
    "rep": "representative congressman congresswoman lawmaker",
    "gov": "governor",
    "gen": "general",
    "lt": "lieutenant",
    "col": "colonel",
    "adm": "admiral",
    "pres": "president",
    "sec": "secretary",
    "atty": "attorney",
    "sen.": "senator",
    "senator": "senator lawmaker",
    "congressman": "congressman lawmaker representative",
    "congresswoman": "congresswoman lawmaker representative",
}

# Abbreviations whose trailing period does not end a sentence.
ABBREVIATIONS = _words(
    """
    mr mrs ms dr prof sen rep gov gen lt col maj capt adm sgt cmdr st jr sr u.s u.n
    u.k d.c a.m p.m no vs v inc corp co ltd jan feb mar apr jun jul aug sep sept oct
    nov dec del ft mt rev
    """
)

# Words that may stay lower case inside a title: "Man of the World", "Jeb Can Fix It".
TITLE_SMALL_WORDS = _words(
    "a an the and or nor but of in on at to for from by with as vs via into onto"
)

# Titles of office written before a name, beyond the honorifics above: "County Auditor Sharon
# Lindgren". Words that are also common first names (Dean, Major) are left out on purpose.
OFFICE_WORDS = _words(
    """
    auditor clerk treasurer comptroller controller assessor recorder coroner prosecutor
    solicitor chancellor provost principal chief officer trooper detective sergeant
    corporal lieutenant colonel captain commander admiral marshal magistrate alderman
    alderwoman supervisor administrator registrar trustee regent councillor councilor
    premier king queen prince princess pope cardinal bishop archbishop rabbi imam
    professor coach lawmaker legislator envoy attorney
    """
)


def _phrases(text: str) -> frozenset[str]:
    """The comma-separated phrases of a block of text, spaces inside a phrase kept."""
    return frozenset(" ".join(p.split()) for p in text.split(",") if p.strip())


# Countries and regions: never a speaker, even when a sentence makes one its subject.
PLACE_NAMES = _phrases(
    """
    afghanistan, albania, algeria, andorra, angola, argentina, armenia, australia, austria,
    azerbaijan, bahamas, bahrain, bangladesh, barbados, belarus, belgium, belize, benin,
    bhutan, bolivia, bosnia, botswana, brazil, brunei, bulgaria, burkina faso, burundi,
    cambodia, cameroon, canada, chile, china, colombia, comoros, congo, costa rica,
    croatia, cuba, cyprus, czechia, czech republic, denmark, djibouti, dominica, ecuador,
    egypt, el salvador, eritrea, estonia, eswatini, ethiopia, fiji, finland, france, gabon,
    gambia, germany, ghana, greece, grenada, guatemala, guinea, guyana, haiti, honduras,
    hungary, iceland, india, indonesia, iran, iraq, ireland, israel, italy, jamaica, japan,
    kazakhstan, kenya, kiribati, kosovo, kuwait, kyrgyzstan, laos, latvia, lebanon,
    lesotho, liberia, libya, liechtenstein, lithuania, luxembourg, madagascar, malawi,
    malaysia, maldives, mali, malta, mauritania, mauritius, mexico, moldova, monaco,
    mongolia, montenegro, morocco, mozambique, myanmar, burma, namibia, nauru, nepal,
    netherlands, new zealand, nicaragua, niger, nigeria, north korea, north macedonia,
    norway, oman, pakistan, palau, palestine, panama, paraguay, peru, philippines, poland,
    portugal, qatar, romania, russia, rwanda, samoa, san marino, saudi arabia, senegal,
    serbia, seychelles, sierra leone, singapore, slovakia, slovenia, somalia, south africa,
    south korea, south sudan, spain, sri lanka, sudan, suriname, sweden, switzerland, syria,
    taiwan, tajikistan, tanzania, thailand, togo, tonga, tunisia, turkey, turkmenistan,
    tuvalu, uganda, ukraine, united arab emirates, united kingdom, britain, great britain,
    england, scotland, wales, united states, america, uruguay, uzbekistan, vanuatu,
    venezuela, vietnam, yemen, zambia, zimbabwe, crimea, gaza, kashmir, tibet, hong kong,
    europe, asia, africa, oceania, latin america, north america, south america, middle east,
    balkans, baltics, scandinavia, uk, u.k., us, u.s., usa, u.s.a.
    """
)

# Nationality and regional adjectives: "Ukrainian officials said" names no speaker.
NATIONALITIES = _words(
    """
    afghan albanian algerian american argentine argentinian armenian australian austrian
    azerbaijani bahraini bangladeshi belarusian belgian bolivian bosnian brazilian british
    bulgarian burmese cambodian cameroonian canadian chadian chilean chinese colombian
    congolese croatian cuban cypriot czech danish dutch ecuadorian egyptian emirati english
    eritrean estonian ethiopian european filipino finnish french georgian german ghanaian
    greek guatemalan haitian honduran hungarian icelandic indian indonesian iranian iraqi
    irish israeli italian jamaican japanese jordanian kazakh kenyan korean kosovar kuwaiti
    kyrgyz lao latvian lebanese liberian libyan lithuanian luxembourgish malaysian malian
    maltese mexican moldovan mongolian montenegrin moroccan mozambican namibian nepali
    nicaraguan nigerian nigerien norwegian omani pakistani palestinian panamanian paraguayan
    peruvian polish portuguese qatari romanian russian rwandan saudi scottish senegalese
    serbian singaporean slovak slovenian somali spanish sudanese swedish swiss syrian
    taiwanese tajik tanzanian thai tunisian turkish turkmen ugandan ukrainian uruguayan
    uzbek venezuelan vietnamese welsh yemeni zambian zimbabwean african asian arab
    baltic balkan nordic scandinavian western eastern soviet philippine
    americans russians ukrainians europeans chinese israelis palestinians iranians
    """
)

# Parties and their members as adjectives or plurals: "Tory", "Republicans". A party speaks under
# its name ("Iowa Democratic Party"), not as a word for its members.
PARTY_WORDS = _words(
    """
    republican republicans democrat democrats democratic dem dems gop tory tories labour
    conservative conservatives liberal liberals libdem libdems green greens socialist
    socialists communist communists independent independents
    """
)

# Words that make a name an organisation's: "Badass Teachers Association", "Dick Clark
# Productions". Place words ("North", "New") and "campaign" are not among them.
ORGANISATION_WORDS = _words(
    """
    party committee department administration agency council court office university college house
    school institute foundation center centre association union news times post journal
    network group company corporation inc corp llc ltd plc bank fund bureau commission board
    church army navy police guard service services media press magazine tribune herald daily
    club league federation organization organisation society museum ministry authority
    productions studios coalition alliance caucus senate congress parliament government
    airlines airways motors labs systems technologies partners holdings capital project
    initiative trust institution hospital clinic insider watch review publishing publishers co
    books records pictures entertainment
    """
)

# Institutions that speak under one word: "Congress voted", "the Senate said". Other words of
# ORGANISATION_WORDS alone ("Department", "Party") name no one.
INSTITUTIONS = _words("senate congress parliament government administration police")

# Outlets and platforms known by one word, which need no organisation word to be one.
ORGANISATION_NAMES = _words(
    "reuters bloomberg cnn nbc abc cbs msnbc npr pbs politico twitter facebook google fox bbc fed"
)

# Imperative words of a caption or a link before a name: "Watch Obama", "Read Trump's".
CAPTION_VERBS = _words("watch read see listen hear click follow subscribe share sign view video")

# Verbs of performing someone's words: a lyric sung or a poem recited is no statement of the
# performer's, nor of anyone the sentence names ("Mary J. Blige sang ... to Hillary Clinton").
PERFORMANCE_VERBS = _words(
    """
    sang sing sings singing sung performed performing performs recited reciting recites
    rapped rapping raps crooned crooning croons belted belting serenaded serenading hummed
    """
)

# Nouns for someone's words: a quotation before one, after a possessive, is the possessor's.
SPEECH_NOUNS = _words(
    """
    promise promises pledge pledges vow vows slogan slogans motto mantra remark remarks comment
    comments words line lines claim claims quip joke catchphrase refrain warning warnings
    message tweet tweets statement statements phrase phrases assessment description retort
    rallying cry
    """
)

# Number words: "Two Turkish", "Thirteen Chadian" start no name.
NUMBER_WORDS = _words(
    """
    zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen
    fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty hundred thousand
    million billion dozens hundreds thousands millions
    """
)

# Words naming a storm or a disaster, not a speaker: "Hurricane Katrina".
EVENT_WORDS = _words("hurricane storm typhoon cyclone tropical tornado wildfire earthquake")

EVENT_NAMES = _phrases("el niño, el nino, la niña, la nina")

# Last words of a place's name: "Florida Keys", "Silicon Valley", "Gulf Coast".
GEOGRAPHIC_WORDS = _words(
    """
    island islands isles keys valley bay beach coast peninsula mountains river lake canyon
    gulf strait desert county parish province region heights hills
    """
)

# Endings of a hyphenated word that describe, not name: "Australian-born", "Texas-based".
COMPOUND_ENDINGS = ("-born", "-based", "-led", "-backed", "-owned", "-run", "-made")

# Capitals before a colon that label a line of a transcript rather than name a speaker.
TRANSCRIPT_LABELS = _words(
    """
    update note correction clarification editor's editor’s watch read more photo photos
    video source sources related caption credit advertisement transcript audio listen see
    also q a question answer breaking exclusive live opinion analysis warning disclaimer
    """
)
