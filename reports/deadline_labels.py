"""One plain-words line for a deadline read from the read model, where the workflow's own label is not kept.

The rule's description says what must be done (an order to assess reads "Tell the parent or young person
that the LA will assess, as the Tribunal ordered"), the key's suffix says for whom (which adviser, which
setting), and the due date says by when. The provision of section F has keys of its own
(workflows/provision_monitoring.py): a provider's account names the period and the provider, a shortfall the
period, the line and its provider, and they read as sentences rather than as a rule with a code after it.
"""

from datetime import date

import statutory
from workflows.provision_monitoring import CONFIRM, SECURE


def deadline_label(step: str, key: str, due: date) -> str:
    instance = key.split("@", 1)[0].partition(":")[2]
    by = f"by {due.day} {due:%B %Y}"
    if step == CONFIRM and instance.count(":") == 1:
        period, provider = instance.split(":")
        return f"Provider {provider} confirms the provision delivered in {period}, {by}"
    if step == SECURE and instance.count(":") == 2:
        period, line, provider = instance.split(":")
        return (
            f"Secure the provision in line {line} of section F for {period} (shortfall of provider {provider}: make it "
            f"good), {by}"
        )
    try:
        what = statutory.get_rule(step).description
    except ValueError:  # a step of a rule set retired since the row was written
        what = step
    whom = f" ({instance.replace('_', ' ')})" if instance else ""
    return f"{what}{whom}, {by}"
