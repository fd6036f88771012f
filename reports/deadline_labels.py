"""One plain-words line for a deadline read from the read model, where the workflow's own label is not kept.

The rule's description says what must be done (an order to assess reads "Tell the parent or young person
that the LA will assess, as the Tribunal ordered"), the key's suffix says for whom (which adviser, which
setting), and the due date says by when.
"""

from datetime import date

import statutory


def deadline_label(step: str, key: str, due: date) -> str:
    try:
        what = statutory.get_rule(step).description
    except ValueError:  # a step of a rule set retired since the row was written
        what = step
    instance = key.split("@", 1)[0].partition(":")[2]
    whom = f" ({instance.replace('_', ' ')})" if instance else ""
    return f"{what}{whom}, by {due.day} {due:%B %Y}"
