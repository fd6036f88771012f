"""Why an officer action is refused. Raised in update validators, before anything reaches history.

The class name travels to the client as the failure's type, and the API maps it to an HTTP status:
an action out of order or on a closed case is a conflict (409); an impossible one is invalid (422).
"""


class ActionRejected(ValueError):
    """The action cannot be recorded as given."""


class OutOfOrder(ActionRejected):
    """The case is not at a stage where this action can happen."""


class CaseClosed(OutOfOrder):
    """The case has ended; nothing more can be recorded on it."""


class CaseBusy(OutOfOrder):
    """Another action on the case is being recorded at this moment (workflows/one_action_at_a_time.py)."""


class InvalidAction(ActionRejected):
    """Impossible dates, unknown references, or content the law does not allow."""


CONFLICT_TYPES = frozenset({OutOfOrder.__name__, CaseClosed.__name__, CaseBusy.__name__})
INVALID_TYPES = frozenset({InvalidAction.__name__, ActionRejected.__name__})
