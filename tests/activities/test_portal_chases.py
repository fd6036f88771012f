"""Which officer notices are about a date an invited party's answer is due by: read from the notice's key, which
workflows/case_base.py writes as "{workflow id}:{deadline key}:{reminder|breach}:{recipient}"."""

from activities.portal_chases import Chased, chased
from store.portal_invitations import InvitedParty
from workflows.activity_contracts import NotificationRequest, Recipient


def notice(key: str, recipient: Recipient = Recipient.OFFICER) -> NotificationRequest:
    return NotificationRequest(
        idempotency_key=key, case_ref="202-ABCDEFGH", recipient=recipient, template="t", subject="s", body="b"
    )


def test_advice_consultation_and_review_report_notices_are_chased_to_whoever_was_invited() -> None:
    advice = chased(notice("assessment-202-ABCDEFGH:assessment.advice:educational_psychologist:reminder:officer"))
    assert advice == Chased(
        (InvitedParty.ADVISER, "educational_psychologist"), "assessment.advice:educational_psychologist", late=False
    )
    other = chased(notice("assessment-202-ABCDEFGH:assessment.advice:other-2:breach:officer"))
    assert other == Chased((InvitedParty.ADVISER, "other-2"), "assessment.advice:other-2", late=True)
    setting = chased(notice("assessment-202-ABCDEFGH:assessment.setting_response:100001:breach:officer"))
    assert setting == Chased((InvitedParty.SETTING, "100001"), "assessment.setting_response:100001", late=True)
    report = chased(notice("plan-202-ABCDEFGH:review.report@c3:reminder:officer"))
    assert report == Chased((InvitedParty.SETTING, "review-3"), "review.report@c3", late=False)


def test_no_other_notice_is_chased() -> None:
    for key, recipient in (
        ("assessment-202-ABCDEFGH:assessment.advice:educational_psychologist:escalation:manager", Recipient.MANAGER),
        ("assessment-202-ABCDEFGH:assessment.final_plan:reminder:officer", Recipient.OFFICER),
        ("assessment-202-ABCDEFGH:advice_request:educational_psychologist:adviser", Recipient.ADVISER),
        ("plan-202-ABCDEFGH:assessment.setting_response:100001:reminder:officer", Recipient.OFFICER),
    ):
        assert chased(notice(key, recipient)) is None, key
