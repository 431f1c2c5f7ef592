"""Report content for the Cambodia demo (``khm-2023``), drawn from the facts of the published Cambodian
key-findings report and written in our own words, and the second round's follow-up of its
recommendations (``seed_follow_up``, ``khm-2027``). Idempotent: running it again changes nothing."""

from datetime import date

from django.db import transaction

from assessments.choices import Role, StakeholderGroup
from assessments.models import Membership, Source
from reports import followup
from reports.choices import FollowUpStatus, Priority, SectionKind
from reports.followup import save_follow_up, sync_follow_ups
from reports.models import Recommendation, Report, ReportSection

G = StakeholderGroup

SECTIONS = {
    SectionKind.BACKGROUND: """\
Since 2015 UNESCO has framed its work on the Internet around **Internet Universality**: an Internet that
is based on human **R**ights, **O**pen, **A**ccessible to all and nurtured by **M**ultistakeholder
participation, with **X** — cross-cutting issues such as gender, children, sustainable development,
trust and security, and the legal and ethical aspects of the Internet.

The ROAM-X framework turns these principles into 303 indicators, 109 of them core, grouped in themes
and questions. A national assessment uses them to:

- describe the national Internet environment and its policies;
- judge how well they align with the ROAM principles and serve sustainable development;
- propose policies and practical initiatives that improve the country's Internet ecosystem.
""",
    SectionKind.INITIATIVE: """\
The assessment in Cambodia (កម្ពុជា) began as a joint initiative of the Ministry of Post and
Telecommunications (MPTC) and the UNESCO Phnom Penh Office, in support of Cambodia's move towards a
digital and knowledge society and its localised Sustainable Development Goals. In 2021 UNESCO's
International Programme for the Development of Communication supported the Cambodia Academy of Digital
Technology (CADT) to carry out the research.

A Multistakeholder Advisory Board (MAB) accompanied the research team throughout; findings and
recommendations were discussed with the board and then at a national validation workshop in
October 2023.
""",
    SectionKind.EXECUTIVE_SUMMARY: """\
This report sets out the key findings of the assessment of Cambodia against UNESCO's Internet
Universality indicators, for the core and contextual indicators. The research ran from May 2022 to
August 2023. Preliminary findings went to the MAB in July 2022; the report was finalised with the
support of the UNESCO office in Cambodia.
""",
    SectionKind.FINDINGS_R: """\
Cambodia's Constitution protects fundamental rights and the country has ratified the main international
human rights instruments, which apply online as offline. Recent laws — notably on e-commerce and
consumer protection (2019) — and the Digital Economy and Society Policy Framework (2021) and Digital
Government Policy (2022) mark real progress and stress inclusion.

Implementation is uneven: action plans are not always concrete, and concerns remain about freedom of
expression, access to information, privacy and independent online media. Regulation should meet
international standards and come with transparent, independent oversight.
""",
    SectionKind.FINDINGS_O: """\
The ICT sector is at an early stage of development. Policy frameworks for the digital economy and
digital government are in place but too recent to judge their effect. Growing mobile broadband use and
falling data prices drive adoption. An open-source master plan from 2005 has had no follow-up, academic
resources are not systematically accessible, and support for users with disabilities remains limited.
""",
    SectionKind.FINDINGS_A: """\
Connectivity has grown fast, led by mobile broadband, which holds about 98% of the market at around
US$5 a month. Fixed broadband remains small — about 2 subscriptions per 100 people in 2021. Network
congestion and an urban–rural divide persist. STEM enrolment in bachelor programmes rose from 27% to
31% between 2016 and 2021, but only about one student in ten chooses ICT.
""",
    SectionKind.FINDINGS_M: """\
Cambodia has begun to commit to multistakeholder Internet governance and takes part in regional and
global initiatives. More sectors should be involved: information should be shared openly and on time, a
national Internet Governance Forum should meet every year alongside the Youth IGF, and one government
body should coordinate Internet development.
""",
    SectionKind.FINDINGS_X: """\
Digital policies aim at inclusion, yet gender gaps in the benefits of digitalisation remain and there
is no digitalisation-and-gender policy yet. Online harassment of women is widespread in early surveys,
children's online safety is under-researched, and public understanding of cybersecurity must grow as
the national cybersecurity framework develops.
""",
    SectionKind.FINDINGS_C: """\
The contextual indicators describe a young, fast-growing lower-middle-income economy in which mobile
connectivity has spread faster than fixed infrastructure and digital skills.
""",
    SectionKind.CONCLUSION: """\
Cambodia stands at a digital crossroads. Access — above all affordable mobile broadband — has built a
solid base, while rights safeguards, open data and ICT skills lag behind, and the gains of digitalisation
are not yet shared equally.

Moving from a connected society to an inclusive knowledge society needs **multistakeholder
participation**: a regular national Internet Governance Forum and lasting dialogue between government,
civil society, the private sector and academia.
""",
}

RECOMMENDATIONS = [
    (
        G.GOVERNMENT,
        "Strengthen protection of freedom of expression, access to information and privacy, online and offline.",
        Priority.HIGH,
        "R",
    ),
    (G.GOVERNMENT, "Establish an independent data protection authority.", Priority.HIGH, "R"),
    (G.GOVERNMENT, "Publish public data online in open, easily reusable formats.", Priority.MEDIUM, "O"),
    (
        G.GOVERNMENT,
        "Publish a yearly report of the Universal Service Obligation Fund and connect every commune's schools and health centres.",
        Priority.HIGH,
        "A",
    ),
    (G.GOVERNMENT, "Convene a national Internet Governance Forum every year.", Priority.MEDIUM, "M"),
    (
        G.JUDICIARY,
        "Train judges, prosecutors and court staff on Internet-related law and digital evidence.",
        Priority.HIGH,
        "R",
    ),
    (G.JUDICIARY, "Publish court decisions online.", Priority.MEDIUM, "O"),
    (
        G.PRIVATE_SECTOR,
        "Publish regular transparency reports on government requests for user data and content removal.",
        Priority.MEDIUM,
        "R",
    ),
    (G.PRIVATE_SECTOR, "Extend 4G coverage and meet quality-of-service standards.", Priority.MEDIUM, "A"),
    (G.TECHNICAL, "Build security and privacy into technical standards and products.", Priority.MEDIUM, "X"),
    (
        G.CIVIL_SOCIETY,
        "Monitor how new Internet laws affect human rights and report on it.",
        Priority.MEDIUM,
        "R",
    ),
    (
        G.ACADEMIA,
        "Research Khmer natural language processing (ភាសាខ្មែរ) to grow local content.",
        Priority.LOW,
        "A",
    ),
    (
        G.USERS,
        "Learn and share safe online practices, especially with children and older people.",
        Priority.LOW,
        "X",
    ),
]


@transaction.atomic
def seed_report(assessment):
    """Write the demo report content for ``assessment``; idempotent."""
    Report.objects.update_or_create(
        assessment=assessment,
        defaults={
            "title": f"Key findings and recommendations of assessing Internet development in {assessment.country_name}",
            "local_title": "ការវាយតម្លៃការអភិវឌ្ឍន៍អ៊ីនធឺណិតនៅកម្ពុជា",
            "scope_note": "An assessment of the 109 core and 21 contextual indicators, not the full set of 303.",
            "report_date": date(2023, 10, 23),
        },
    )
    for kind, body in SECTIONS.items():
        ReportSection.objects.update_or_create(assessment=assessment, kind=kind, defaults={"body": body})
    categories = {c.code: c for c in assessment.framework.categories.all()}
    for order, (group, text, priority, category) in enumerate(RECOMMENDATIONS, 1):
        rec, _created = Recommendation.objects.update_or_create(
            assessment=assessment,
            stakeholder_group=group,
            order=order,
            defaults={"text": text, "priority": priority},
        )
        rec.categories.set([categories[category]])
    return assessment


# The second round's judgement of some of the first round's recommendations, by the recommendation's
# opening words: status and evidence note (illustrative, not facts about Cambodia).
FOLLOW_UPS = {
    "Establish an independent data protection authority.": (
        FollowUpStatus.PARTLY,
        "A draft personal data protection law was put to public consultation; the authority it foresees "
        "is not set up yet.",
    ),
    "Publish public data online in open, easily reusable formats.": (
        FollowUpStatus.PARTLY,
        "The national open data portal lists more datasets, but many are PDF tables rather than reusable "
        "files.",
    ),
    "Convene a national Internet Governance Forum every year.": (
        FollowUpStatus.IMPLEMENTED,
        "A national forum met in each of the last three years, with government, business and civil "
        "society on its organising committee.",
    ),
    "Publish court decisions online.": (
        FollowUpStatus.NOT_IMPLEMENTED,
        "No court publishes its decisions online yet; the team found no plan to do so.",
    ),
    "Extend 4G coverage and meet quality-of-service standards.": (
        FollowUpStatus.IMPLEMENTED,
        "Operators report 4G coverage of most of the population; the regulator publishes quarterly "
        "quality-of-service measurements.",
    ),
}


@transaction.atomic
def seed_follow_up(assessment):
    """Give the demo's second round (``khm-2027``) follow-up statuses and notes for some of the first
    round's recommendations, through the service, by the round's lead. Idempotent: only rows nobody has
    saved yet (version 0) get a demo status."""
    sync_follow_ups(assessment)
    lead = (
        Membership.objects.filter(assessment=assessment, role=Role.LEAD)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    if lead is None:
        return assessment
    source = Source.objects.filter(assessment=assessment).order_by("title", "pk").first()
    for item in followup.follow_ups_for(assessment).filter(version=0):
        status_note = FOLLOW_UPS.get(item.recommendation.text)
        if status_note is None:
            continue
        status, note = status_note
        save_follow_up(
            item,
            by=lead.user,
            expected_version=0,
            status=status,
            note=note,
            sources=[source] if source and status == FollowUpStatus.IMPLEMENTED else [],
        )
    return assessment
