"""What the draft page, its form and its confirmation say, for each thing a family is sent to comment on: the first
plan's draft (SEND Regs 2014 reg 13(1)), the changes proposed to a plan after its review (reg 22(2)), and the draft
after a re-assessment (reg 27, which applies reg 13(1)). The page and its form are the same for all three; only
their words, and the law each cites, differ.
"""

from dataclasses import dataclass

from api.family_view import PlanKind


@dataclass(frozen=True)
class Words:
    title: str  # the page's heading
    intro: str  # what was sent, with "{served}" for " on 15 January 2027" where the day is known
    about: str  # what the comments are on, after "Your comments on"
    law: str  # the law giving the family at least 15 days
    issues: str  # what the council issues after the comments
    setting: str  # what the sections say about a school or other setting
    closed: str  # once the council takes no more comments
    next: str  # what happens after the comments, on the confirmation
    link: str  # the case page's link to the page
    refused: str  # the case refused the comments

    @property
    def no_comments(self) -> str:
        return f"Enter your comments on {self.about}"


_NAMING = (
    "If you asked for a school or college, the council must consult it, and name it unless the law allows it not to "
    "(Children and Families Act 2014 s.39)."
)
_NOT_TAKEN = "so your comments were not sent. If you think this is wrong, ask your council's SEND team"

WORDS = {
    PlanKind.DRAFT_PLAN: Words(
        title="Your child's draft EHC plan",
        intro="The council sent you this draft plan{served}. Read it, then tell the council what you think of it: "
        "what is right, what is missing and what you would change.",
        about="the draft plan",
        law="SEND Regs 2014 reg 13(1)(a)",
        issues="the final plan",
        setting="A draft plan does not name a school or other setting (that is section I of the final plan). You can "
        "ask for one with your comments.",
        closed="The council is no longer taking comments on this draft plan.",
        next=f"The council reads your comments before it issues the final plan. {_NAMING}",
        link="Read the draft plan and send your comments",
        refused=f"The council is not taking comments on a draft plan for this case now, {_NOT_TAKEN}",
    ),
    PlanKind.PROPOSED_AMENDMENTS: Words(
        title="Proposed changes to your child's EHC plan",
        intro="After the annual review the council proposes to change your child's plan, and sent you the plan as it "
        "would be{served}. Read it, then tell the council what you think of it: what is right, what is missing and "
        "what you would change. Each section says whether it would change.",
        about="the proposed changes",
        law="SEND Regs 2014 reg 22(2)(c)",
        issues="the amended plan",
        setting="Section I names the school or other setting your child is to attend. You can ask for another with "
        "your comments.",
        closed="The council is no longer taking comments on these proposed changes.",
        next="The council reads your comments before it issues the amended plan (SEND Regs 2014 reg 22(3)), or tells "
        f"you why it will not change the plan after all (reg 22(4)). {_NAMING}",
        link="Read the proposed changes to the plan and send your comments",
        refused=f"The council is not taking comments on proposed changes to the plan for this case now, {_NOT_TAKEN}",
    ),
    PlanKind.REASSESSMENT_DRAFT: Words(
        title="Your child's draft EHC plan after the re-assessment",
        intro="The council re-assessed your child's needs and sent you this draft plan{served}. Read it, then tell the "
        "council what you think of it: what is right, what is missing and what you would change.",
        about="the draft plan",
        law="SEND Regs 2014 reg 13(1)(a), applied by reg 27",
        issues="the plan",
        setting="A draft plan does not name a school or other setting (that is section I of the plan). You can ask "
        "for one with your comments.",
        closed="The council is no longer taking comments on this draft plan.",
        next="The council reads your comments before it issues the plan, within 14 weeks of deciding to re-assess "
        f"(SEND Regs 2014 reg 27). {_NAMING}",
        link="Read the draft plan and send your comments",
        refused=f"The council is not taking comments on a draft plan for this case now, {_NOT_TAKEN}",
    ),
}
# What a case's stage says the family has been sent to comment on, while it takes their comments: the case page
# links to the draft page then.
OPEN_FOR_COMMENTS = {
    ("assessment", "draft_issued"): PlanKind.DRAFT_PLAN,
    ("plan", "amendment_proposed"): PlanKind.PROPOSED_AMENDMENTS,
    ("plan", "reassessment_draft"): PlanKind.REASSESSMENT_DRAFT,
}


def words_for(process: str, stage: str) -> Words:
    """The words of what a case's stage has sent: on a plan, its proposal; else the assessment's draft."""
    if process == "plan":
        return WORDS[OPEN_FOR_COMMENTS.get((process, stage), PlanKind.PROPOSED_AMENDMENTS)]
    return WORDS[PlanKind.DRAFT_PLAN]
