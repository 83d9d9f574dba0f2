"""Addresses in the outbox: recognisable, not copyable."""

import pytest

from deliberation.models import Delivery
from deliberation.models.delivery import mask_address


@pytest.mark.parametrize(
    ("address", "masked"),
    [
        ("+8613800138000", "138****8000"),
        ("13800138000", "138****8000"),
        ("+447911123456", "447****3456"),
        ("a.li@example.org", "a***@example.org"),
        ("x@y.cn", "x***@y.cn"),
        ("12345", "*****"),
        ("", ""),
    ],
)
def test_mask_address(address, masked):
    assert mask_address(address) == masked


def test_the_error_quotes_the_masked_address():
    delivery = Delivery(
        address="+8613800138000", last_error="isv.MOBILE_NUMBER_ILLEGAL: 13800138000 is not a mobile number"
    )
    assert delivery.masked_error == "isv.MOBILE_NUMBER_ILLEGAL: 138****8000 is not a mobile number"
