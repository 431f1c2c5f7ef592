"""Demo data for `make run`: accounts a newcomer can sign in with. Never for a production database."""

from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model

DEMO_PASSWORD = "roamx-demo"
# username: (first name, last name, is_staff (admin access), is_superuser)
DEMO_USERS = {
    "researcher": ("Sokha", "Chan", True, False),
    "lead": ("Dara", "Kim", True, False),
    "reviewer": ("Maly", "Sok", False, False),
    "staff": ("Vanna", "Lim", True, False),
    "admin": ("Admin", "", True, True),
}


class DemoRefused(Exception):
    pass


def ensure_demo_allowed():
    if not (settings.DEBUG or settings.TESTING):
        raise DemoRefused(
            "Demo accounts are only created with DEBUG on (the demo database), never in production."
        )


def create_demo_users():
    """Create (or reset) the demo accounts; returns them by username."""
    ensure_demo_allowed()
    User = get_user_model()
    users = {}
    for username, (first, last, is_staff, is_superuser) in DEMO_USERS.items():
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"first_name": first, "last_name": last, "email": f"{username}@example.org"},
        )
        user.is_staff, user.is_superuser = is_staff, is_superuser
        if created or not user.has_usable_password():
            user.set_password(DEMO_PASSWORD)
        user.save()
        users[username] = user
    return users


# ---- the demo assessment ------------------------------------------------------------------------------
# Facts from the Cambodia key-findings report (CADT and UNESCO Phnom Penh, validated 23 October 2023) and
# the preliminary-findings slides shown at the Youth IGF (23 September 2023), in our own words. Scores are
# illustrative judgements for the demo, not the national team's.

DEMO_CODE = "khm-2023"
DEMO_REASON = "demo data from the Cambodia key-findings report"

# key: (type, title, author or publisher, date (ISO) or "", URL)
DEMO_SOURCES = {
    "report": (
        "report",
        "Key Findings and Recommendations of Assessing Internet Development in Cambodia",
        "Cambodia Academy of Digital Technology (CADT); UNESCO Phnom Penh Office",
        "2023-10-23",
        "",
    ),
    "slides": (
        "report",
        "Assessing Internet Development in Cambodia: preliminary findings and recommendations (Youth IGF)",
        "CADT Digital Innovation Center",
        "2023-09-23",
        "",
    ),
    "constitution": (
        "law",
        "Constitution of the Kingdom of Cambodia",
        "Kingdom of Cambodia",
        "1993-09-24",
        "",
    ),
    "criminal_code": (
        "law",
        "Criminal Code of the Kingdom of Cambodia (2009)",
        "Kingdom of Cambodia",
        "",
        "",
    ),
    "telecom_law": ("law", "Law on Telecommunications (2015)", "Kingdom of Cambodia", "", ""),
    "ecommerce_law": ("law", "Law on Electronic Commerce (2019)", "Kingdom of Cambodia", "", ""),
    "consumer_law": ("law", "Law on Consumer Protection (2019)", "Kingdom of Cambodia", "", ""),
    "nig": (
        "law",
        "Sub-decree on the National Internet Gateway (2021)",
        "Royal Government of Cambodia",
        "",
        "",
    ),
    "archives_law": ("law", "Law on Archives (2005)", "Kingdom of Cambodia", "", ""),
    "desp": (
        "policy",
        "Cambodia Digital Economy and Society Policy Framework 2021–2035",
        "Royal Government of Cambodia",
        "",
        "",
    ),
    "dgp": ("policy", "Digital Government Policy 2022–2035", "Royal Government of Cambodia", "", ""),
    "oss": ("policy", "Open Source Master Plan (2005)", "Royal Government of Cambodia", "", ""),
    "egov": (
        "index",
        "United Nations E-Government Survey",
        "United Nations Department of Economic and Social Affairs",
        "",
        "https://publicadministration.un.org/egovkb/en-us/Data-Center",
    ),
    "itu": (
        "statistics",
        "ITU World Telecommunication/ICT Indicators",
        "International Telecommunication Union",
        "",
        "https://www.itu.int/en/ITU-D/Statistics/Pages/stat/default.aspx",
    ),
    "harassment": (
        "survey",
        "Preliminary survey of women's experience of online harassment (as cited in the key-findings report)",
        "CADT research team",
        "",
        "",
    ),
}

# code: (status, score or special score, confidence, assignee, narrative, [(source, locator)],
#        [(value, unit, year, disaggregation, group, source)])
DEMO_FINDINGS = {
    "R.1.1": (
        "ready",
        3,
        "medium",
        "researcher",
        "The Constitution enshrines fundamental human rights and Cambodia has ratified many regional and "
        "international human rights agreements, which commit the state to uphold them offline and online.\n\n"
        "How these commitments are applied in practice is uneven; the report calls the interpretation "
        "inconsistent.",
        [("constitution", "Chapter III"), ("report", "R – Rights")],
        [],
    ),
    "R.3.1": (
        "endorsed",
        2,
        "high",
        "researcher",
        "No law states expressly that the rights people hold offline also apply online. The equivalence "
        "rests on general constitutional guarantees only.",
        [("slides", "slide 6")],
        [],
    ),
    "R.4.1": (
        "needs_revision",
        2,
        "medium",
        "researcher",
        "Freedom of expression is guaranteed by the Constitution, but the report records rising concern "
        "about how well expression, access to information and independent online media are protected as "
        "digital regulation expands.\n\n*MAB asked for court cases to support the score.*",
        [("constitution", "Art. 41"), ("report", "R – Rights")],
        [],
    ),
    "R.5.1": (
        "draft",
        1,
        "medium",
        "researcher",
        "Defamation and insult in the Criminal Code (2009) are treated as cybercrimes when committed over a "
        "computer network. Observers cited in the slides say these provisions are used to curb free "
        "expression; they are broader than international standards allow.",
        [("criminal_code", "defamation and insult"), ("slides", "slide 6")],
        [],
    ),
    "R.6.1": (
        "draft",
        1,
        "low",
        "researcher",
        "There is no specific legal framework on intermediary liability or content moderation; the slides "
        "describe this as a legal gap.",
        [("slides", "slide 6")],
        [],
    ),
    "R.14.1": (
        "draft",
        3,
        "medium",
        "researcher",
        "The Digital Economy and Society Policy Framework (2021) and the Digital Government Policy (2022) "
        "both stress e-participation: e-information, e-consultation and e-decision-making. The UN "
        "E-Participation ranking placed Cambodia 127th of 193 (2024 survey, as quoted in the report).",
        [("desp", ""), ("dgp", ""), ("egov", "E-Participation Index 2024")],
        [(127, "rank of 193", 2024, "total", "", "egov")],
    ),
    "R.16.1": (
        "ready",
        2,
        "medium",
        "researcher",
        "Privacy is protected mainly through the Criminal Code: articles 317–320 and 427–432 cover "
        "infringement of the secrecy of correspondence and telecommunications and offences in the "
        "information technology sector. There is no comprehensive privacy law.",
        [("criminal_code", "Arts. 317–320, 427–432"), ("slides", "slide 6")],
        [],
    ),
    "R.17.1": (
        "ready",
        1,
        "high",
        "researcher",
        "A Personal Data Protection law is being drafted by the government; no data protection law is in "
        "force for either the public or the private sector.",
        [("slides", "slide 6"), ("report", "recommendations: government")],
        [],
    ),
    "R.17.2": (
        "endorsed",
        1,
        "high",
        "researcher",
        "No independent data protection authority exists. The report recommends establishing one and "
        "names its absence among the main gaps in the conclusion.",
        [("report", "Conclusion")],
        [],
    ),
    "R.18.1": (
        "draft",
        2,
        "low",
        "researcher",
        "The Law on Telecommunications provides for lawful interception, but a UN special rapporteur has "
        "called it vague. The National Internet Gateway sub-decree remains contested between government "
        "and civil society; its implementation was postponed without a date.",
        [("telecom_law", ""), ("nig", ""), ("slides", "slide 6")],
        [],
    ),
    "O.1.1": (
        "draft",
        2,
        "medium",
        "lead",
        "Two laws that shape the online market were adopted in 2019 (electronic commerce; consumer "
        "protection) and laws on cybersecurity and personal data protection are being drafted. The slides "
        "describe the framework for innovation on the Internet as fragmented.",
        [("ecommerce_law", ""), ("consumer_law", ""), ("slides", "slide 7")],
        [],
    ),
    "O.2.1": (
        "ready",
        3,
        "medium",
        "lead",
        "The Telecommunication Regulator of Cambodia (TRC) regulates the sector firmly, balancing operators' "
        "interests, users' interests and national security. Competition is promoted, but consumer "
        "interests need more attention.",
        [("report", "O – Openness"), ("slides", "slide 7")],
        [],
    ),
    "O.4.1": (
        "draft",
        1,
        "medium",
        "lead",
        "An Open Source Master Plan was adopted in February 2005 to promote free and open-source software, "
        "but nothing followed it.",
        [("oss", ""), ("report", "O – Openness")],
        [],
    ),
    "O.8.1": (
        "draft",
        "insufficient_data",
        "low",
        "lead",
        "Spectrum management is still being developed despite Cambodia's WTO commitments; we have not yet "
        "found published licensing procedures.",
        [("slides", "slide 7")],
        [],
    ),
    "O.11.1": (
        "draft",
        1,
        "medium",
        "lead",
        "Higher education institutions and students have no systematic access to academic and scientific "
        "resources.",
        [("report", "O – Openness")],
        [],
    ),
    "O.14.1": (
        "endorsed",
        1,
        "high",
        "lead",
        "There is no open data policy or regulation. The only related provision is the right of access to "
        "archives in the 2005 Law on Archives.",
        [("archives_law", ""), ("slides", "slide 7")],
        [],
    ),
    "O.15.1": (
        "ready",
        2,
        "high",
        "lead",
        "Cambodia scored 0.5056 on the UN E-Government Development Index 2022 (127th of 193). The report "
        "quotes 120th of 193 for 2024.",
        [("egov", "EGDI 2022 and 2024"), ("slides", "slide 7")],
        [(0.5056, "index (0–1)", 2022, "total", "", "egov"), (120, "rank of 193", 2024, "total", "", "egov")],
    ),
    "A.1.1": (
        "draft",
        3,
        "low",
        "researcher",
        "The Digital Economy and Society Policy Framework sets the direction for connectivity; the report "
        "asks the government to speed up its plan to bring broadband to every commune, including schools "
        "and health centres.",
        [("desp", ""), ("report", "recommendations: government")],
        [],
    ),
    "A.2.1": (
        "ready",
        2,
        "medium",
        "researcher",
        "A Universal Service Obligation Fund exists with its own regulation, but there is no short- or "
        "medium-term strategy for universal access and no public annual report on the Fund.",
        [("slides", "slide 8"), ("report", "recommendations: government")],
        [],
    ),
    "A.3.1": (
        "draft",
        1,
        "medium",
        "researcher",
        "No independent household survey on ICT access and use exists. The report recommends that MPTC and "
        "the National Institute of Statistics introduce one, or add ICT questions to the census.",
        [("report", "recommendations: government")],
        [],
    ),
    "A.5.1": (
        "ready",
        2,
        "medium",
        "researcher",
        "32.9% of individuals use the Internet (figure presented in September 2023). The figure needs "
        "disaggregation by sex, age and location, which no official survey provides yet.",
        [("slides", "slide 8"), ("itu", "")],
        [(32.9, "%", 2023, "total", "", "slides")],
    ),
    "A.6.1": (
        "draft",
        2,
        "medium",
        "researcher",
        "45.4% of households have Internet access; in rural areas 57.5% of households have none.",
        [("slides", "slide 8")],
        [(45.4, "%", 2023, "total", "", "slides")],
    ),
    "A.7.1": (
        "endorsed",
        1,
        "high",
        "researcher",
        "Fixed broadband is still in its infancy: 2.01 subscriptions per 100 inhabitants in 2021 and 1.7% "
        "of the broadband market. Growth is concentrated in cities and formal businesses.",
        [("report", "A – Access"), ("itu", "")],
        [
            (2.01, "per 100 inhabitants", 2021, "total", "", "report"),
            (1.7, "% of broadband market", 2021, "total", "", "report"),
        ],
    ),
    "A.7.2": (
        "ready",
        4,
        "high",
        "researcher",
        "Mobile broadband dominates: about 95 active subscriptions per 100 inhabitants and 98.3% of the "
        "broadband market. Network congestion and a marked urban–rural divide remain.",
        [("report", "A – Access"), ("slides", "slide 8")],
        [
            (95, "per 100 inhabitants", 2023, "total", "", "slides"),
            (98.3, "% of broadband market", 2021, "total", "", "report"),
        ],
    ),
    "A.12.2": (
        "draft",
        4,
        "medium",
        "researcher",
        "Mobile data is cheap: the report puts the average monthly spend at about US$5. Quality of service "
        "is the open question, not price.",
        [("report", "A – Access")],
        [(5, "USD per month", 2023, "total", "", "report")],
    ),
    "A.17.1": (
        "draft",
        "insufficient_data",
        "low",
        "researcher",
        "All sources describe a pronounced urban–rural divide, but there is no survey giving Internet use "
        "separately for urban and rural individuals.",
        [("report", "A – Access")],
        [],
    ),
    "A.19.1": (
        "draft",
        1,
        "medium",
        "researcher",
        "Government policy and support for Internet access by persons with disabilities remain very "
        "limited; the report asks for accessible public websites and portals.",
        [("report", "O – Openness; recommendations")],
        [],
    ),
    "A.22.1": (
        "draft",
        2,
        "low",
        "researcher",
        "Most people speak Khmer, yet local-language content online is limited. The report suggests "
        "research on Khmer natural language processing.",
        [("slides", "slide 8"), ("report", "recommendations: academia")],
        [],
    ),
    "A.25.1": (
        "ready",
        2,
        "medium",
        "researcher",
        "Digital skills and STEM have a limited place in curricula at every level of education; the "
        "government has committed to updating them.",
        [("slides", "slide 8"), ("report", "recommendations: government")],
        [],
    ),
    "A.26.1": (
        "draft",
        2,
        "low",
        "researcher",
        "About 30% of the population has basic digital literacy.",
        [("slides", "slide 8")],
        [(30, "% of population", 2023, "total", "", "slides")],
    ),
    "A.28.1": (
        "ready",
        2,
        "medium",
        "researcher",
        "STEM's share of bachelor's enrolment rose from 27% (2016–17) to 31% (2020–21), but only about 10% "
        "of these students choose ICT majors, which threatens the supply of skilled professionals.",
        [("report", "A – Access")],
        [
            (27, "% of bachelor's enrolment in STEM", 2016, "total", "", "report"),
            (31, "% of bachelor's enrolment in STEM", 2020, "total", "", "report"),
            (10, "% of STEM students in ICT majors", 2020, "total", "", "report"),
        ],
    ),
    "M.1.1": (
        "ready",
        2,
        "medium",
        "lead",
        "MPTC leads Internet and telecommunications policy. Several ICT policies sought input from "
        "stakeholders, but the government has not fully taken up multistakeholder Internet governance.",
        [("slides", "slide 9"), ("report", "M – Multistakeholder")],
        [],
    ),
    "M.2.1": (
        "draft",
        2,
        "medium",
        "lead",
        "Without a public participation law, consultation on digital policy is neither systematic nor broad; "
        "policy makers do not share information early enough for useful engagement.",
        [("slides", "slide 9")],
        [],
    ),
    "M.4.1": (
        "endorsed",
        1,
        "high",
        "lead",
        "Cambodia holds no annual national Internet Governance Forum. A Youth IGF started by civil society "
        "exists; the preliminary findings were presented there in September 2023.",
        [("report", "M – Multistakeholder"), ("slides", "slide 1")],
        [],
    ),
    "X.1.1": (
        "needs_revision",
        1,
        "medium",
        "lead",
        "There is no policy on digitalisation and gender. Ministry of Women's Affairs documents mention "
        "digital literacy and women in e-commerce only in general terms; a dedicated policy is being drafted, "
        "slowly.\n\n*MAB: check whether the draft has been published.*",
        [("report", "X – Cross-cutting"), ("slides", "slide 10")],
        [],
    ),
    "X.7.1": (
        "draft",
        "insufficient_data",
        "low",
        "lead",
        "A preliminary survey cited in the report counts 244 of 845 women respondents who experienced online "
        "harassment, but also gives 54.5%; the two figures disagree and must be checked against the survey "
        "before any score.",
        [("harassment", ""), ("report", "X – Cross-cutting")],
        [(244, "women of 845 respondents", 2023, "sex", "women", "harassment")],
    ),
    "X.10.1": (
        "draft",
        1,
        "low",
        "lead",
        "Little is known about children's safety online. Pupils who kept studying during COVID-19 all learnt "
        "online, and problems were reported, but the risks and crimes they faced were not investigated.",
        [("slides", "slide 10")],
        [],
    ),
    "X.19.1": (
        "ready",
        4,
        "medium",
        "lead",
        "The Digital Economy and Society Policy Framework 2021–2035 and the Digital Government Policy "
        "2022–2035 tie digital development to the Cambodian SDGs and to leaving no one behind.",
        [("desp", ""), ("dgp", ""), ("report", "The initiative in Cambodia")],
        [],
    ),
    "X.25.1": (
        "draft",
        "insufficient_data",
        "low",
        "lead",
        "The report's conclusion notes emerging concerns about e-waste; we have not yet found a policy or "
        "regulation on electronic waste.",
        [("report", "Conclusion")],
        [],
    ),
    "X.28.1": (
        "draft",
        2,
        "low",
        "lead",
        "A cybersecurity law is being drafted. The report stresses that public understanding must grow as "
        "the country strengthens cybersecurity.",
        [("slides", "slide 7"), ("report", "X – Cross-cutting")],
        [],
    ),
    "X.30.1": (
        "ready",
        2,
        "medium",
        "lead",
        "A cybercrime law is in preparation; meanwhile the Criminal Code covers computer-related offences. "
        "The report warns against restricting rights more than necessary in these drafts.",
        [("criminal_code", "Arts. 317–320, 427–432"), ("report", "recommendations: government")],
        [],
    ),
    "X.34.1": (
        "endorsed",
        4,
        "high",
        "lead",
        "The Law on Electronic Commerce and the Law on Consumer Protection, both of 2019, protect consumers "
        "in online transactions; their implementation and monitoring still face challenges.",
        [("ecommerce_law", ""), ("consumer_law", ""), ("report", "R – Rights")],
        [],
    ),
    "C.2.4": (
        "draft",
        "not_applicable",
        "medium",
        "researcher",
        "Khmer is spoken by the great majority of the population.",
        [("slides", "slide 8")],
        [],
    ),
}


def create_demo_assessment(users):
    """The Cambodia assessment with the demo accounts as members and about a third of it filled in.

    Idempotent: a finding is filled only while nobody has touched it, and sources, citations and data
    points are found by their natural keys before being created.
    """
    import datetime

    from django.db import transaction

    from assessments.choices import Phase, Role, Scope, StakeholderGroup
    from assessments.models import Assessment, Citation, DataPoint, Finding, Membership, Source
    from assessments.services import create_assessment
    from indicators.models import Framework

    ensure_demo_allowed()
    framework = Framework.objects.filter(code="iui-2019").first()
    if framework is None:
        return None
    with transaction.atomic():
        assessment = Assessment.objects.filter(code=DEMO_CODE).first() or create_assessment(
            code=DEMO_CODE,
            title="Assessing Internet Development in Cambodia",
            country_code="KHM",
            country_name="Cambodia",
            framework=framework,
            scope=Scope.CORE,
            phase=Phase.MAB_REVIEW,
            period_start=datetime.date(2022, 5, 1),
            period_end=datetime.date(2023, 8, 31),
            created_by=users["admin"],
        )
        roles = {
            "researcher": (Role.RESEARCHER, "", "CADT"),
            "lead": (Role.LEAD, "", "CADT"),
            "reviewer": (Role.MAB, StakeholderGroup.CIVIL_SOCIETY, "Open Development Cambodia"),
            "staff": (Role.STAFF, "", "UNESCO Phnom Penh Office"),
        }
        for username, (role, group, organisation) in roles.items():
            Membership.objects.get_or_create(
                assessment=assessment,
                user=users[username],
                defaults={"role": role, "stakeholder_group": group, "organisation": organisation},
            )
        sources = {}
        for key, (type_, title, author, published, url) in DEMO_SOURCES.items():
            sources[key], _ = Source.objects.get_or_create(
                assessment=assessment,
                title=title,
                defaults={
                    "type": type_,
                    "author": author,
                    "published": datetime.date.fromisoformat(published) if published else None,
                    "url": url,
                    "accessed": datetime.date(2023, 8, 31) if url else None,
                },
            )
        findings = {
            f.indicator.code: f
            for f in Finding.objects.filter(assessment=assessment).select_related("indicator")
        }
        filled = 0
        for code, (status, score, confidence, who, narrative, cites, points) in DEMO_FINDINGS.items():
            finding = findings.get(code)
            if finding is None:
                continue
            if finding.version == 1 and finding.status == "not_started":
                finding.status = status
                finding.score, finding.special_score = (
                    (score, "") if isinstance(score, int) else (None, score)
                )
                finding.confidence = confidence
                finding.narrative = narrative
                finding.assignee = users[who]
                finding.due_date = datetime.date(2023, 9, 15)
                finding.version += 1
                finding.updated_by = users[who]
                finding._history_user = users[who]
                finding._change_reason = DEMO_REASON
                finding.save()
                filled += 1
            for key, locator in cites:
                Citation.objects.get_or_create(
                    finding=finding, source=sources[key], defaults={"locator": locator}
                )
            for value, unit, year, disaggregation, group, key in points:
                DataPoint.objects.get_or_create(
                    finding=finding,
                    year=year,
                    unit=unit,
                    disaggregation=disaggregation,
                    group=group,
                    defaults={"value": Decimal(str(value)), "source": sources[key]},
                )
        # The rest of the core work is shared out, so "assigned to me" is not empty for either researcher.
        for prefix, who in (
            ("R.", "researcher"),
            ("A.", "researcher"),
            ("O.", "lead"),
            ("M.", "lead"),
            ("X.", "lead"),
        ):
            Finding.objects.filter(
                assessment=assessment, assignee__isnull=True, indicator__code__startswith=prefix, version=1
            ).update(assignee=users[who])
    return assessment
