"""The reviewed share every figure states is a share: net amounts can make the
reviewed part negative (a reviewed award deobligated in the scope) or larger than
the whole, and the shared data's CBP FY2024 read "Reviewed by a person: -0.8% of
these dollars ($-5,321,917.50 of $704,444,291.84)". The function every surface
calls (analyse, report, the web app's tables and lines)."""

from __future__ import annotations

from decimal import Decimal

from custodes.figures.review import line, share


def test_a_reviewed_share_is_between_nothing_and_everything() -> None:
    assert share(Decimal("704444291.84"), Decimal("-5321917.50")) is None
    assert share(Decimal("100.00"), Decimal("150.00")) is None
    assert share(Decimal("-13800.00"), Decimal("0.00")) is None
    assert share(Decimal("200.00"), Decimal("50.00")) == 0.25
    assert share(Decimal("200.00"), Decimal("200.00")) == 1.0
    negative = line(Decimal("704444291.84"), Decimal("-5321917.50"))
    assert "%" not in negative and "$-" not in negative
    assert "-$5,321,917.50" in negative and "$704,444,291.84" in negative
    assert "no share" in negative
    assert line(Decimal("200.00"), Decimal("50.00")) == (
        "Reviewed by a person: 25.0% of these dollars ($50.00 of $200.00); the rest "
        "rests on the rules alone."
    )
    assert line(Decimal("0.00"), Decimal("0.00")) == (
        "Reviewed by a person: $0.00 of these dollars."
    )
