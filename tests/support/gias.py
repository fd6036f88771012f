"""The DfE register's establishment fields CSV as tests write it: the register's real header, read from the
hand-made sample (tests/intake/edubasealldata_sample.csv, in windows-1252 as the register publishes it), and rows
holding only the cells a test names."""

import csv
import io
from pathlib import Path

SAMPLE = Path(__file__).resolve().parents[1] / "intake" / "edubasealldata_sample.csv"
ENCODING = "windows-1252"
CSV_TYPE = f"text/csv; charset={ENCODING}"
# The sample's St Thérèse (URN 990002), written out by hand as a family sees it in its list (staff see more).
ST_THERESE = {
    "urn": "990002",
    "name": "St Thérèse of Lisieux Catholic Primary School",
    "establishment_type": "Voluntary aided school",
    "phase": "Primary",
    "low_age": 3,
    "high_age": 11,
    "specialisms": ["ASD"],
    "special": False,
    "resourced_provision": True,
    "sen_unit": False,
    "capacity": 315,
    "resourced_provision_capacity": 12,
    "sen_unit_capacity": None,
    "town": "St Helens",
}


def sample() -> bytes:
    return SAMPLE.read_bytes()


def header() -> list[str]:
    return next(csv.reader(io.StringIO(SAMPLE.read_bytes().decode(ENCODING))))


def school(urn: str, la_code: str, name: str, **cells: str) -> dict[str, str]:
    """An open community primary school for ages 4 to 11, with whatever `cells` (by column name) change."""
    return {
        "URN": urn,
        "LA (code)": la_code,
        "EstablishmentName": name,
        "TypeOfEstablishment (name)": "Community school",
        "EstablishmentTypeGroup (name)": "Local authority maintained schools",
        "EstablishmentStatus (name)": "Open",
        "PhaseOfEducation (name)": "Primary",
        "StatutoryLowAge": "4",
        "StatutoryHighAge": "11",
        **cells,
    }


def register_csv(*rows: dict[str, str], columns: list[str] | None = None) -> bytes:
    """The rows under the register's header (or `columns`), every other cell empty, in windows-1252."""
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=columns or header(), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode(ENCODING)
