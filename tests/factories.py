"""Request bodies for tests: recognisable fake personal data, so a leak is easy to search for."""

import itertools
from datetime import date
from typing import Any

# Identical requests are one case by design (a duplicate submission): each test request differs
# in its address so that tests sharing the database do not meet each other's cases.
_house_numbers = itertools.count(1)

CHILD_GIVEN = "Zebedee"
CHILD_FAMILY = "Quillfeather"
PARENT_NAME = "Philippa Quillfeather"
PARENT_EMAIL = "philippa.quillfeather@example.org"
STREET = "Willow Lane, Camden"


def case_request(received: date, *, la_code: str = "202", **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "la_code": la_code,
        "received_date": received.isoformat(),
        "request_source": "parent",
        "officer": "officer.one@la.example.gov.uk",
        "child": {
            "given_name": CHILD_GIVEN,
            "family_name": CHILD_FAMILY,
            "date_of_birth": "2016-05-04",
            "address": f"{next(_house_numbers)} {STREET}",
            "postcode": "NW1 8AB",
        },
        "contacts": [{"role": "parent", "name": PARENT_NAME, "email": PARENT_EMAIL, "phone": "020 7946 0000"}],
    }
    body.update(overrides)
    return body
