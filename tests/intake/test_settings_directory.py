"""Loading the settings directory from the DfE's register (Get Information about Schools' establishment fields CSV):
the hand-made sample in the register's own header and encoding, a re-load that updates, rows that cannot be read
counted by why and never quoted, and files that are not the register refused whole. Against the tests' database
(PostgreSQL with CI set); every expected value written by hand."""

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlmodel import col, select

from intake.settings_directory import MAX_REGISTER_ROWS, REQUIRED, decode, load, read_register
from store.db import SessionMaker
from store.models import DirectorySetting
from tests.support.gias import ENCODING, register_csv, sample, school

LOADED = datetime(2027, 1, 4, 6, 30, tzinfo=UTC)
RELOADED = datetime(2027, 1, 11, 6, 30, tzinfo=UTC)
SHOWN = (
    "name",
    "la_code",
    "phase",
    "establishment_type",
    "type_group",
    "specialisms",
    "resourced_provision",
    "sen_unit",
    "low_age",
    "high_age",
    "capacity",
    "resourced_provision_capacity",
    "status",
    "open",
    "special",
    "requestable",
    "town",
    "postcode",
)


async def load_file(sessions: SessionMaker, body: bytes, loaded_at: datetime = LOADED) -> dict[str, Any]:
    register = read_register(decode(body, ENCODING), loaded_at)
    async with sessions() as session:
        return (await load(session, register, loaded_at)).model_dump(mode="json")


async def rows(sessions: SessionMaker, *urns: str) -> dict[str, DirectorySetting]:
    async with sessions() as session:
        found = (await session.exec(select(DirectorySetting).where(col(DirectorySetting.urn).in_(urns)))).all()
    return {row.urn: row for row in found}


def shown(row: DirectorySetting) -> tuple[Any, ...]:
    return tuple(getattr(row, name) for name in SHOWN)


async def test_the_sample_register_loads_each_setting_as_the_register_has_it(sessions: SessionMaker) -> None:
    report = await load_file(sessions, sample())
    # 15 rows: 13 settings, a URN that is not one and an age that is not a number. Other tests load the same sample,
    # so whether the 13 are new or already there depends on the order the tests ran in.
    assert (report["rows"], report["inserted"] + report["updated"], report["skipped"]) == (15, 13, 2)
    assert report["skipped_by_reason"] == {
        "StatutoryLowAge: Input should be a valid integer, unable to parse string as an integer": 1,
        "URN: String should match pattern '^[0-9]{6,8}$'": 1,
    }
    # Why, never what: neither the bad URN, the bad age nor the names of the rows skipped.
    for value in ("12AB", "four", "Broken Row School", "Misread Age"):
        assert value not in json.dumps(report)

    found = await rows(sessions, *(f"9900{n:02d}" for n in range(1, 15)))
    assert sorted(found) == [f"9900{n:02d}" for n in range(1, 14)]
    primary, resourced, special = "Primary", "Voluntary aided school", "Community special school"
    maintained = "Local authority maintained schools"
    # Read as windows-1252: an accented letter, and the register's curly apostrophe (0x92, a control code in latin-1).
    assert shown(found["990002"]) == (
        "St Thérèse of Lisieux Catholic Primary School",
        "342",
        primary,
        resourced,
        maintained,
        ["ASD"],
        True,
        False,
        3,
        11,
        315,
        12,
        "Open",
        True,
        False,
        True,
        "St Helens",
        "WA10 2BB",
    )
    assert found["990011"].name == "St Mary\u2019s CofE Junior School"
    assert (found["990011"].status, found["990011"].open) == ("Open, but proposed to close", True)
    assert shown(found["990003"]) == (
        "Hawthorn Special School",
        "342",
        "Not applicable",
        special,
        "Special schools",
        ["ASD", "SLD", "PMLD"],
        False,
        False,
        2,
        19,
        120,
        None,
        "Open",
        True,
        True,
        True,
        "Newton-le-Willows",
        "WA12 9CC",
    )
    # What a family may ask for (CFA 2014 s.38(3)): an independent school only with the Secretary of State's approval
    # under s.41; never a pupil referral unit. Open or not is the register's status.
    requestable = {urn: (row.requestable, row.open, row.special) for urn, row in found.items()}
    assert requestable == {
        "990001": (True, True, False),
        "990002": (True, True, False),
        "990003": (True, True, True),
        "990004": (True, True, False),
        "990005": (True, True, False),
        "990006": (True, False, False),
        "990007": (True, True, True),
        "990008": (False, True, False),
        "990009": (True, True, False),
        "990010": (False, True, False),
        "990011": (True, True, False),
        "990012": (True, False, False),
        "990013": (True, True, False),
    }
    assert (found["990013"].low_age, found["990013"].high_age, found["990013"].capacity) == (16, 99, None)
    assert found["990007"].specialisms == ["SEMH", "ASD"]
    assert {row.loaded_at for row in found.values()} == {LOADED}

    again = await load_file(sessions, sample())
    assert (again["inserted"], again["updated"], again["skipped"]) == (0, 13, 2)


async def test_a_reload_updates_what_changed_and_adds_what_is_new(sessions: SessionMaker) -> None:
    first = register_csv(
        school("981001", "881", "Larkspur Primary School", SchoolCapacity="210", Town="Kirkby"),
        school("981002", "881", "Elm Bank School", **{"TypeOfEstablishment (name)": "Foundation school"}),
    )
    assert await load_file(sessions, first) == {
        "rows": 2,
        "inserted": 2,
        "updated": 0,
        "skipped": 0,
        "skipped_by_reason": {},
        "loaded_at": "2027-01-04T06:30:00Z",
    }
    # A week on: Larkspur has closed and grown a resourced provision on paper; a new school has opened.
    newer = register_csv(
        school(
            "981001",
            "881",
            "Larkspur Primary School",
            SchoolCapacity="240",
            Town="Kirkby",
            **{
                "EstablishmentStatus (name)": "Closed",
                "TypeOfResourcedProvision (name)": "Resourced provision and SEN unit",
                "SEN1 (name)": "SLCN - Speech, language and Communication",
                "SenUnitCapacity": "8",
            },
        ),
        school("981002", "881", "Elm Bank School", **{"TypeOfEstablishment (name)": "Foundation school"}),
        school("981003", "881", "Foxglove Primary School"),
    )
    report = await load_file(sessions, newer, RELOADED)
    assert (report["rows"], report["inserted"], report["updated"], report["skipped"]) == (3, 1, 2, 0)
    found = await rows(sessions, "981001", "981002", "981003")
    larkspur = found["981001"]
    assert (larkspur.status, larkspur.open, larkspur.capacity, larkspur.town) == ("Closed", False, 240, "Kirkby")
    assert (larkspur.resourced_provision, larkspur.sen_unit, larkspur.sen_unit_capacity) == (True, True, 8)
    assert larkspur.specialisms == ["SLCN"]
    assert {urn: row.loaded_at for urn, row in found.items()} == dict.fromkeys(found, RELOADED)
    async with sessions() as session:
        in_881 = (await session.exec(select(DirectorySetting.urn).where(DirectorySetting.la_code == "881"))).all()
    assert sorted(in_881) == ["981001", "981002", "981003"]


async def test_rows_it_cannot_read_are_counted_by_why_and_never_quoted(sessions: SessionMaker) -> None:
    good = school("981101", "882", "Heather Primary School")
    body = register_csv(
        good,
        school("981102", "882", "", Town="Nowhere"),
        school("981103", "882", "Ageless School", StatutoryHighAge="150"),
        school("981104", "20", "Wrong LA School"),
        school("981105", "882", "Bell\x07 School"),
        school("981106", "882", "Minus School", SchoolCapacity="-1"),
        {**good, "EstablishmentName": "Heather Primary School (renamed)"},
    )
    # A row cut short, and one with a field too many, added by hand after the header's rows.
    body += b"981107,341\r\n" + body.splitlines()[1] + b",extra\r\n"
    report = await load_file(sessions, body)
    assert report["rows"] == 9
    assert report["skipped_by_reason"] == {
        "EstablishmentName: Field required": 1,
        "EstablishmentName: Value error, contains a control character": 1,
        "LA (code): String should match pattern '^[A-Z0-9]{3,9}$'": 1,
        "SchoolCapacity: Input should be greater than or equal to 0": 1,
        "StatutoryHighAge: Input should be less than or equal to 99": 1,
        "URN: repeated later in the file, whose last row for it is loaded": 1,
        "the row has more or fewer fields than the header": 2,
    }
    assert (report["inserted"] + report["updated"], report["skipped"]) == (1, 8)
    for value in ("Nowhere", "Ageless", "150", "Wrong LA", "Bell", "Minus", "-1", "981107", "extra"):
        assert value not in json.dumps(report), value
    # The file's last row for a URN is the one loaded.
    assert (await rows(sessions, "981101"))["981101"].name == "Heather Primary School (renamed)"
    assert await rows(sessions, "981102", "981103", "981104", "981105", "981106", "981107") == {}


def test_a_file_that_is_not_the_register_is_refused_whole() -> None:
    with pytest.raises(ValueError, match='it has no "URN", "EstablishmentStatus \\(name\\)" column'):
        read_register("LA (code),EstablishmentName,TypeOfEstablishment (name)\r\n342,A School,Community\r\n", LOADED)
    with pytest.raises(ValueError, match="it has no"):
        read_register("", LOADED)
    rows = (f"{900000 + n},342,School {n},Community school,Open" for n in range(MAX_REGISTER_ROWS + 1))
    too_many = "\r\n".join([",".join(REQUIRED), *rows])
    with pytest.raises(ValueError, match="more than 100,000 rows"):
        read_register(too_many, LOADED)
    with pytest.raises(ValueError, match="a field is malformed or too long"):
        read_register(",".join(REQUIRED) + '\r\n"' + "x" * 200_000 + '"\r\n', LOADED)
    # Bytes that are not windows-1252 (0x81 has no character in it), or a UTF-8 file said to be something else.
    with pytest.raises(ValueError, match="the file is not in windows-1252"):
        decode(b"URN\r\n\x81", ENCODING)
    assert decode("\ufeffURN\r\nSt Thérèse".encode(), ENCODING) == "URN\r\nSt Thérèse"
    with pytest.raises(ValueError, match="base64 is not a character set"):
        decode(b"URN", "base64")
