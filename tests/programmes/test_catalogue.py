"""The programme catalogue: who each programme is open to, and why, in plain English."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crossline.cli.main import app
from crossline.core.errors import CatalogueError
from crossline.programmes import (
    PROGRAMMES,
    Circumstance,
    Custody,
    Education,
    Exclusion,
    FamilyProblem,
    Person,
    eligibility,
    load_programmes,
)
from crossline.programmes.catalogue import DATA_DIR, Country

TODAY = date(2026, 11, 25)


def young(age: int, **facts: object) -> Person:
    """A young person of ``age`` today (born a day after today's date ``age`` years back)."""
    born = date(TODAY.year - age, TODAY.month, TODAY.day)
    return Person(born_on=born, assessed_on=TODAY, **facts)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Case:
    person: Person
    open: bool
    reason: str  # one of the reasons that must be shown


C = Circumstance
CASES: dict[str, tuple[Case, Case]] = {
    "unplugged": (
        Case(young(13, education=Education.PUPIL_REFERRAL_UNIT), True, "Aged 13: within 12 to 14"),
        Case(
            young(16, education=Education.MAINSTREAM_SCHOOL),
            False,
            "Aged 16: Unplugged is for pupils aged 12 to 14",
        ),
    ),
    "whp-early-access": (
        Case(
            young(19, country=Country.WALES, circumstances=frozenset({C.GANG})),
            True,
            "In or at risk of joining a gang: early access is for young people in or at risk"
            " of joining a gang",
        ),
        Case(
            young(19, country=Country.SCOTLAND, circumstances=frozenset({C.GANG})),
            False,
            "Lives in Scotland: the Work and Health Programme covers England and Wales",
        ),
    ),
    "troubled-families": (
        Case(
            young(
                12,
                family_problems=frozenset(
                    {FamilyProblem.DOMESTIC_ABUSE, FamilyProblem.SCHOOL_ATTENDANCE}
                ),
            ),
            True,
            "Family has 2 of the 6 problems (children not in school regularly and domestic"
            " abuse): at least 2 of the 6 headline family problems",
        ),
        Case(
            young(12, family_problems=frozenset({FamilyProblem.DOMESTIC_ABUSE})),
            False,
            "Family has 1 of the 6 problems (domestic abuse): the programme is for families"
            " with at least 2 of the 6 headline problems",
        ),
    ),
    "early-action-together": (
        Case(
            young(15, force_area="gwent", circumstances=frozenset({C.POLICE_CONTACT})),
            True,
            "Force area Gwent Police: Early Action Together runs in the four Welsh force areas"
            " only",
        ),
        Case(
            young(15, force_area="avon-and-somerset", circumstances=frozenset({C.POLICE_CONTACT})),
            False,
            "Force area Avon and Somerset Police: Early Action Together runs in the four"
            " Welsh force areas only",
        ),
    ),
    "exclusion-support": (
        Case(
            young(14, country=Country.ENGLAND, exclusion=Exclusion.AT_RISK),
            True,
            "At risk of exclusion: exclusion support is for pupils at risk of exclusion or"
            " already excluded",
        ),
        Case(
            young(14, country=Country.ENGLAND),
            False,
            "Not excluded or at risk of exclusion: exclusion support is for pupils at risk of"
            " exclusion or already excluded",
        ),
    ),
    "redthread": (
        Case(
            young(
                16,
                force_area="nottinghamshire",
                circumstances=frozenset({C.HOSPITAL_AFTER_VIOLENCE}),
            ),
            True,
            "Aged 16: within 11 to 25",
        ),
        Case(
            young(16, force_area="nottinghamshire"),
            False,
            "Not treated in hospital after violence, assault or exploitation: Redthread meets"
            " young people treated in hospital after violence, assault or exploitation",
        ),
    ),
    "st-giles-county-lines": (
        Case(
            young(15, force_area="kent", circumstances=frozenset({C.EXPLOITED})),
            True,
            "Found exploited on a county line: the service is for young people exploited on"
            " county lines",
        ),
        Case(
            young(15, force_area="merseyside", circumstances=frozenset({C.EXPLOITED})),
            False,
            "Force area Merseyside Police: the pilot covers London-Kent lines",
        ),
    ),
    "missing-people-county-lines": (
        Case(
            young(
                14,
                country=Country.ENGLAND,
                circumstances=frozenset({C.RETURNED_FROM_MISSING}),
            ),
            True,
            "Returning from a missing episode: this strand is for young people returning from"
            " missing episodes",
        ),
        Case(
            young(14, circumstances=frozenset({C.RETURNED_FROM_MISSING})),
            False,
            "Country not recorded: Missing People's strand is open across England and Wales",
        ),
    ),
    "young-peoples-advocates": (
        Case(
            young(15, circumstances=frozenset({C.GANG_SEXUAL_VIOLENCE})),
            True,
            "A victim of, or at risk of, gang-associated sexual violence or exploitation:"
            " advocates work with",
        ),
        Case(
            young(15, circumstances=frozenset({C.GANG})),
            False,
            "Not a victim of, or at risk of, gang-associated sexual violence or exploitation",
        ),
    ),
    "divert": (
        Case(
            young(19, custody=Custody.POLICE, force_area="metropolitan"),
            True,
            "Held in police custody: DIVERT is for young adults in police custody",
        ),
        Case(
            young(19, force_area="metropolitan"),
            False,
            "Not in custody: DIVERT is for young adults in police custody",
        ),
    ),
    "enhanced-support-units": (
        Case(
            young(
                16,
                custody=Custody.YOUTH_SECURE_ESTATE,
                circumstances=frozenset({C.COMPLEX_NEEDS}),
            ),
            True,
            "Held in the youth secure estate: Enhanced Support Units are in the youth secure"
            " estate",
        ),
        Case(
            young(16, custody=Custody.YOUTH_SECURE_ESTATE),
            False,
            "Not with extremely complex needs: the units are for children with extremely"
            " complex needs",
        ),
    ),
    "custody-support-plans": (
        Case(young(17, custody=Custody.YOUTH_SECURE_ESTATE), True, "Aged 17: 17 or under"),
        Case(
            young(18, custody=Custody.YOUTH_SECURE_ESTATE),
            False,
            "Aged 18: Custody Support Plans are for children (under 18)",
        ),
    ),
}


def test_every_programme_has_an_eligible_and_an_ineligible_case() -> None:
    assert set(CASES) == set(PROGRAMMES)
    for programme_id, cases in CASES.items():
        assert sorted(case.open for case in cases) == [False, True], programme_id


@pytest.mark.parametrize(
    ("programme_id", "case"),
    [(pid, case) for pid, cases in CASES.items() for case in cases],
    ids=lambda value: value if isinstance(value, str) else ("open" if value.open else "closed"),
)
def test_eligibility_and_its_reasons(programme_id: str, case: Case) -> None:
    programme = PROGRAMMES[programme_id]
    result = eligibility(programme, case.person)
    assert result.open is case.open, result.reasons
    assert len(result.reasons) == len(programme.rules)
    assert any(reason.startswith(case.reason) for reason in result.reasons), result.reasons


def test_age_is_counted_in_whole_years_on_the_day_assessed() -> None:
    person = Person(born_on=date(2008, 11, 26), assessed_on=TODAY)
    assert person.age == 17
    assert Person(born_on=date(2008, 11, 25), assessed_on=TODAY).age == 18


def test_every_programme_names_its_domain_section_and_ages_come_from_its_rules() -> None:
    for programme in PROGRAMMES.values():
        assert programme.section.startswith("§PROG.")
    assert PROGRAMMES["divert"].ages == (18, 25)
    assert PROGRAMMES["troubled-families"].ages == (None, None)


def test_cli_lists_the_catalogue_as_json_with_rules() -> None:
    result = CliRunner().invoke(app, ["programmes", "list", "--json"])
    assert result.exit_code == 0, result.output
    entries = json.loads(result.output)
    assert [entry["id"] for entry in entries] == list(PROGRAMMES)
    divert = next(entry for entry in entries if entry["id"] == "divert")
    assert {"kind": "custody", "any_of": ["police"]}.items() <= divert["rules"][1].items()
    assert divert["section"] == "§PROG.divert"


def test_cli_lists_the_catalogue_as_text() -> None:
    result = CliRunner().invoke(app, ["programmes", "list"])
    assert result.exit_code == 0, result.output
    assert "DIVERT (custody intervention) [divert]" in result.output
    assert "held in police custody" in result.output


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "x:\n  label: X\n  rules: []\n",
            "programmes.yaml, entry 'x': 'provider' field required",
        ),
        ("- divert\n", "programmes.yaml: must be a mapping from id to entry"),
    ],
)
def test_a_malformed_file_is_refused(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "programmes.yaml"
    path.write_text(text)
    with pytest.raises(CatalogueError) as error:
        load_programmes(path)
    assert error.value.message == message


def _shipped_with(change: str, into: str) -> str:
    source = (DATA_DIR / "programmes.yaml").read_text()
    assert change in source
    return source.replace(change, into, 1)


@pytest.mark.parametrize(
    ("change", "into", "message"),
    [
        ("kind: custody", "kind: wishes", "'rules.1' input tag 'wishes' found using 'kind'"),
        ("any_of: [metropolitan, lancashire]", "any_of: [atlantis]", "'force_area' must be"),
        ("      min: 18\n      max: 25", "      min: 25\n      max: 18", "min must not be"),
        ("section: §PROG.divert", "section: divert", "'section' string should match"),
    ],
)
def test_a_bad_rule_stops_loading(tmp_path: Path, change: str, into: str, message: str) -> None:
    path = tmp_path / "programmes.yaml"
    path.write_text(_shipped_with(change, into))
    with pytest.raises(CatalogueError, match=message):
        load_programmes(path)
