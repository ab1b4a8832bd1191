"""Words for demo data: people's names common in England, places, and sentence parts.

No real children, families or cases: references are made up and no child has a name.
"""

from __future__ import annotations

REGIONS: dict[str, list[str]] = {
    "North": ["Tyne and Wear", "Greater Manchester", "West Yorkshire", "Merseyside"],
    "South": ["Kent and Medway", "Sussex", "Hampshire", "Bristol and Avon"],
    "Central": ["Birmingham", "Nottinghamshire", "Leicestershire", "Coventry and Warwickshire"],
}
FIRST_NAMES = [
    "Zofia", "Siân", "Çağla", "Aoife", "Chiamaka", "Fatima", "Aisha", "Oliver", "Mohammed",
    "Emily", "Tomasz", "Gareth", "Emre", "Niamh", "Oluwaseun", "Priya", "Imran", "Grace",
    "Dafydd", "Agnieszka", "Yusuf", "Bethan", "Ciarán", "Ngozi", "Hannah", "Rukhsana",
    "Kwame", "Megan", "Łukasz", "Sadia", "Rhys", "Elif", "Declan", "Amara", "Sophie",
    "Bilal", "Catrin", "Mehmet", "Saoirse", "Adebayo", "Nadia", "James", "Zainab", "Ffion",
]
LAST_NAMES = [
    "Wiśniewska", "Llewelyn", "Yılmaz", "Ní Bhriain", "Okafor", "Khan", "Hussain", "Smith",
    "Rahman", "Jones", "Kowalski", "Evans", "Demir", "O'Sullivan", "Adeyemi", "Patel",
    "Akhtar", "Taylor", "Pritchard", "Nowak", "Ahmed", "Williams", "Ó Briain", "Eze",
    "Brown", "Begum", "Mensah", "Davies", "Zając", "Iqbal", "Morgan", "Şahin", "Murphy",
    "Obi", "Wilson", "Chaudhry", "Griffiths", "Aydın", "Byrne", "Oyelaran", "Malik",
    "Thompson", "Siddiqui", "Hughes",
]
EVIDENCE = [
    "Case chronology (file section 2): {what}.",
    "Position statement, page {n}: {what}.",
    "Record of the visit on day {n}: {what}.",
    "Final analysis, paragraph {n}: {what}.",
    "Supervision notes, week {n}: {what}.",
]
EVIDENCE_WHAT_GOOD = [
    "the child's wishes and feelings recorded in their own words",
    "a clear line from the evidence to the recommendation",
    "the care plan tested against the parenting assessment",
    "early challenge to drift in the local authority's plan",
    "the IRO consulted before the issues resolution hearing",
]
EVIDENCE_WHAT_WEAK = [
    "no record of the child being seen alone",
    "the impact of delay is not analysed",
    "the support plan is described but not scrutinised",
    "the contact arrangements are not examined against the child's needs",
    "pre-proceedings work is summarised without analysis",
]
COMMENTARY = [
    "Consider how the child's lived experience could be brought to the front of the analysis.",
    "Good use of research to support the recommendation.",
    "The analysis would be stronger with a clearer view of the timescale for the child.",
    "Partnership with the social worker is evident and purposeful.",
    "Check that the child's identity needs are addressed in the plan.",
]
STRENGTHS = [
    "The child's voice is vivid throughout and shapes the recommendations.",
    "Clear, well-evidenced analysis that the court could rely on.",
    "Robust challenge of the care plan, recorded respectfully.",
    "Strong partnership working with the IRO and the social worker.",
]
DEVELOPMENT = [
    "Record the impact of delay on the child explicitly at each hearing.",
    "Scrutinise pre-proceedings work more closely before the first hearing.",
    "Bring the child's own words into the final analysis, not only the summary.",
    "Test the special guardianship support plan against the child's needs.",
]
CHILDS_VOICE = [
    "The child's wishes are recorded in their own words and reflected in the analysis.",
    "The child's views are summarised by adults; their own words are missing.",
    "Direct work with the child is clear and age-appropriate.",
]
DELAY = [
    "Proceedings ran past 26 weeks; the effect on the child's attachment is analysed.",
    "No avoidable delay identified.",
    "Late allocation delayed the first visit to the child; this is not acknowledged.",
]
ACTIONS = [
    "Read the practice guidance on the child's voice and discuss in supervision.",
    "Shadow a colleague's analysis of a special guardianship support plan.",
    "Add a delay analysis section to the next final analysis.",
    "Review the pre-proceedings checklist before the next allocation.",
    "Attend the learning session on working with IROs.",
]
# The practitioner's reflection and reasons, by how far they agree with the assessment.
REFLECTIONS = {
    "agree": [
        "I agree that the child's own words should have featured more; I will use direct "
        "work tools.",
        "I recognise the strengths identified and will build on the partnership approach.",
        "Useful feedback. I will add a chronology-based delay analysis next time.",
    ],
    "partly": [
        "I partly agree: the delay was outside my control, but I could have named its impact.",
        "I partly agree. Time pressure around the hearing affected the analysis, though the "
        "plan could have been tested further.",
    ],
    "disagree": [
        "I do not agree with the grade for the care plan: the plan was tested at the IRH, "
        "which the file records.",
        "I disagree: the child was seen alone twice; the visit notes are in the second bundle.",
    ],
}
REASONS = {
    "agree": "",
    "partly": "The timescale was set by the court.",
    "disagree": "The evidence is in the file but was not looked at.",
}
SHORT_TEXT = ["Supervisor and FCA", "FCA, child and carer", "FCA and parent", "Team meeting"]

MODERATION_NOTES = [
    "Second reading found the care plan analysis thinner than graded; agreed with the "
    "supervisor to revisit the grade in supervision.",
    "The child's wishes are recorded but not weighed in the recommendation; grade moved one "
    "step and discussed with the author.",
    "Evidence of work with the IRO is stronger than the audit credits; the moderated grade "
    "stands and the author agrees.",
    "Impact of delay is named but not analysed; the supervisor will add an addendum.",
]
