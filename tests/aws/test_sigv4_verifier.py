"""The test verifier itself is checked against AWS's published SigV4 test vectors (aws-sig-v4-test-suite,
copied with its LICENSE/NOTICE into tests/aws/sigv4_vectors): for each request it must derive AWS's own
canonical request, string to sign and signature, accept the signed request and refuse it once tampered."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.aws.sigv4_verifier import (
    Key,
    Refused,
    Verifier,
    canonical_request,
    signature,
    string_to_sign,
)

VECTORS = Path(__file__).parent / "sigv4_vectors"
NAMES = sorted(p.name for p in VECTORS.iterdir() if p.is_dir())
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
TOKEN = (
    "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflf"
    "KD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8"
    "Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIl"
    "TJabIQwj2ICCR/oLxBA=="
)
WHEN = datetime(2015, 8, 30, 12, 36, tzinfo=UTC)


def parse_request(text: str) -> tuple[str, str, list[tuple[str, str]], bytes]:
    head, _, body = text.partition("\n\n")
    first, *lines = head.split("\n")
    method, rest = first.split(" ", 1)
    target = rest.rsplit(" ", 1)[0]
    headers = []
    for line in lines:
        name, _, value = line.partition(":")
        headers.append((name, value))
    return method, target, headers, body.encode()


def read(name: str, ext: str) -> str:
    return (VECTORS / name / f"{name}.{ext}").read_text(encoding="utf-8")


def vector_verifier(name: str) -> Verifier:
    token = TOKEN if "sts" in name else None
    return Verifier("us-east-1", "service", {"AKIDEXAMPLE": Key(SECRET, token)}, now=WHEN)


def test_the_vectors_are_there() -> None:
    assert len(NAMES) >= 12 and "get-vanilla-query-order-value" in NAMES and "post-sts-header-before" in NAMES


@pytest.mark.parametrize("name", NAMES)
def test_canonical_request_string_to_sign_and_signature_match_aws(name: str) -> None:
    method, target, headers, body = parse_request(read(name, "req"))
    signed = read(name, "creq").rsplit("\n", 2)[-2].split(";")
    creq = canonical_request(method, target, headers, body, signed)
    assert creq == read(name, "creq")
    sts = string_to_sign("20150830T123600Z", "20150830/us-east-1/service/aws4_request", creq)
    assert sts == read(name, "sts")
    expected = read(name, "authz").rsplit("Signature=", 1)[1].strip()
    assert signature(SECRET, "20150830", "us-east-1", "service", sts) == expected


@pytest.mark.parametrize("name", NAMES)
def test_the_signed_request_is_accepted_and_a_tampered_one_refused(name: str) -> None:
    method, target, headers, body = parse_request(read(name, "sreq"))
    verifier = vector_verifier(name)
    assert verifier.check(method, target, headers, body) == "AKIDEXAMPLE"

    tampered_target = target + ("&" if "?" in target else "?") + "extra=1"
    with pytest.raises(Refused, match="signature we calculated does not match"):
        verifier.check(method, tampered_target, headers, body)
    with pytest.raises(Refused, match="signature"):
        Verifier(
            "us-east-1",
            "service",
            {"AKIDEXAMPLE": Key(SECRET[::-1], verifier.keys["AKIDEXAMPLE"].token)},
            now=WHEN,
        ).check(method, target, headers, body)


def test_refusals_name_what_is_wrong() -> None:
    method, target, headers, body = parse_request(read("get-vanilla", "sreq"))
    with pytest.raises(Refused, match="valid region"):
        Verifier("eu-west-1", "service", {"AKIDEXAMPLE": Key(SECRET)}, now=WHEN).check(
            method, target, headers, body
        )
    with pytest.raises(Refused, match="Forbidden"):
        vector_verifier("get-vanilla").check(
            method, target, [h for h in headers if h[0] != "Authorization"], body
        )
    with pytest.raises(Refused, match="expired"):
        Verifier("us-east-1", "service", {"AKIDEXAMPLE": Key(SECRET, expired=True)}, now=WHEN).check(
            method, target, headers, body
        )
    with pytest.raises(Refused, match="Signature expired"):
        Verifier("us-east-1", "service", {"AKIDEXAMPLE": Key(SECRET)}).check(method, target, headers, body)
    sts_method, sts_target, sts_headers, sts_body = parse_request(read("post-sts-header-before", "sreq"))
    no_token = [h for h in sts_headers if h[0] != "X-Amz-Security-Token"]
    with pytest.raises(Refused, match="security token"):
        vector_verifier("post-sts-header-before").check(sts_method, sts_target, no_token, sts_body)
