from __future__ import annotations

import time

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from bot.text import mask_secrets, masking, secret_param_values

HEX40 = "0123456789abcdef0123456789abcdef01234567"


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        (f"key 1234/{HEX40} here", "key 1234/**** here"),
        (f"apikey {HEX40}", "apikey ****"),
        (f"TD_API_KEY: {HEX40}", "TD_API_KEY: ****"),
        (
            f"curl -H 'Authorization: TD1 {HEX40}' https://api",
            "curl -H 'Authorization: TD1 ****' https://api",
        ),
        ("Authorization: Basic dXNlcjpwYXNz", "Authorization: Basic ****"),
        ('{"Authorization": "Bearer abc.def", "x": 1}', '{"Authorization": "Bearer ****", "x": 1}'),
        ("token via Bearer abc-123_x.y", "token via Bearer ****"),
        ("AKIAABCDEFGHIJKLMNOP and ASIAABCDEFGHIJKLMNOP", "AKIA**** and ASIA****"),
        ("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCY", "aws_secret_access_key = ****"),
        ("mysql://bob:hunter2@db.example.com/x", "mysql://bob:****@db.example.com/x"),
        ("s3://AKIAABCDEFGHIJKLMNOP:wJalr/K7+MDENG@/bucket/x", "s3://AKIA****:****@/bucket/x"),
        (
            "https://x.com/?a=1&api_key=zzz&password=p4ss&b=2",
            "https://x.com/?a=1&api_key=****&password=****&b=2",
        ),
        ('{"password": "pa\\"ss", "user": "bob"}', '{"password": "****", "user": "bob"}'),
        ('{\\"db_password\\": \\"hunter2\\"}', '{\\"db_password\\": \\"****\\"}'),
        ("export PGPASSWORD=s3cr3t", "export PGPASSWORD=****"),
        ("client_secret: abc123\nuser: bob", "client_secret: ****\nuser: bob"),
        ("{:token => 'abc'}", "{:token => '****'}"),
        ("mysql --password hunter2 -u bob", "mysql --password **** -u bob"),
        ("xoxb-123-456-abc xoxp-1-2 xapp-1-A1-xyz", "xoxb-**** xoxp-**** xapp-****"),
        (
            "hook https://hooks.slack.com/services/T0/B0/XyZ",
            "hook https://hooks.slack.com/services/****",
        ),
        ("ghp_abcdefghijklmnop", "ghp_****"),
        ("jwt eyJhbGciOi.eyJzdWIiOi.c2lnbmF0dXJl", "jwt eyJ****"),
        (
            "-----BEGIN RSA PRIVATE KEY-----\nMIIE\nabc\n-----END RSA PRIVATE KEY-----\nafter",
            "-----BEGIN RSA PRIVATE KEY-----****-----END RSA PRIVATE KEY-----\nafter",
        ),
        ("-----BEGIN PRIVATE KEY-----\nMIIE cut here", "-----BEGIN PRIVATE KEY-----****"),
        ("${password=hunter22", "${password=****"),
        ("${secret: hunter22}", "${secret: ****"),
    ],
)
def test_masks(text: str, masked: str) -> None:
    assert mask_secrets(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "password=${secret:db.password}",  # a reference names the secret, it is not one
        "apikey: ${secret:td.apikey} and ${secret:aws.s3.secret_access_key}",
        "password: ****",
        "passed: 3 tests",
        "select count(*) from www_access where td_time_range(time, '2024-01-01')",
        "job 12345 failed: Table not found",
    ],
)
def test_leaves_ordinary_text_alone(text: str) -> None:
    assert mask_secrets(text) == text


def test_extra_secret_values_are_masked_in_every_common_encoding() -> None:
    secret = 'p@ss w"rd/1'
    text = (
        f'raw {secret} json {{"x": "p@ss w\\"rd/1"}} '
        "url a=p%40ss%20w%22rd%2F1 plus p%40ss+w%22rd%2F1"
    )
    masked = mask_secrets(text, [secret])
    assert "p@ss" not in masked and "p%40ss" not in masked
    assert masked.count("****") == 4


def test_short_extra_values_are_not_masked_everywhere() -> None:
    assert mask_secrets("no way", ["no"]) == "no way"


def test_secret_param_values_walks_nested_params() -> None:
    params = {
        "db": {"password": "pw-1234", "user": "bob"},
        "credentials": [{"user": "alice", "key": "k-5678"}],
        "td": {"apikey": "1/abc", "database": "sales"},
        "auth_token": "",
        "token_ttl": 3600,
        "use_token": True,
        "name": "not secret",
    }
    assert secret_param_values(params) == ["pw-1234", "k-5678", "1/abc", "alice"]


def test_secret_param_values_survives_deep_nesting() -> None:
    params: dict[str, object] = {"password": "deep-value"}
    for _ in range(500):
        params = {"x": params}
    assert secret_param_values(params) == []  # beyond the depth guard: no crash, no recursion error


def test_masking_is_linear_on_adversarial_input() -> None:
    hostile = [
        "token" * 40_000,
        "1" * 200_000,
        "a" * 200_000,
        "password:' " * 20_000,
        "://" * 60_000,
        "-----BEGIN PRIVATE KEY-----" * 5_000,
        "apikey " * 30_000,
        "xoxb-" * 40_000,
    ]
    started = time.perf_counter()
    for text in hostile:
        mask_secrets(text)
    assert time.perf_counter() - started < 5.0


# Secrets as they really look, and the ways they are embedded in logs.
_SAFE = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.+/=!#%()[]~^"
_password = st.text(alphabet=_SAFE, min_size=8, max_size=40)
_hex40 = st.text(alphabet="0123456789abcdef", min_size=40, max_size=40)
_aws_id = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", min_size=16, max_size=16)
_token = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=12, max_size=40)
_key_name = st.sampled_from(
    ["password", "PASSWORD", "db_password", "passwd", "secret", "client_secret", "token",
     "auth_token", "api_key", "apikey", "X-Api-Key", "aws_secret_access_key", "credentials"]
)  # fmt: skip
_sep = st.sampled_from(["=", ": ", " = ", "=>", ":"])
_quote = st.sampled_from(["", '"', "'", '\\"'])


@st.composite
def _planted(draw: st.DrawFn) -> tuple[str, str, str]:
    """(prefix, secret, suffix): a secret in one of its usual settings."""
    kind = draw(st.sampled_from(["kv", "td", "aws", "url", "bearer", "slack", "pem", "bare"]))
    if kind == "kv":
        key, sep, quote = draw(_key_name), draw(_sep), draw(_quote)
        return f"{quote}{key}{quote}{sep}{quote}", draw(_password), quote
    if kind == "td":
        return f"{draw(st.integers(1, 99999))}/", draw(_hex40), ""
    if kind == "bare":
        return f"apikey{draw(st.sampled_from([' ', ': ', '=', ' is ']))}", draw(_hex40), ""
    if kind == "aws":
        return draw(st.sampled_from(["AKIA", "ASIA"])), draw(_aws_id), ""
    if kind == "url":
        secret = draw(st.text(alphabet=_SAFE.replace("/", ""), min_size=8, max_size=30))
        return "postgres://bob:", secret, "@db.example.com:5432/x"
    if kind == "bearer":
        return "Authorization: Bearer ", draw(_token), ""
    if kind == "slack":
        return draw(st.sampled_from(["xoxb-", "xoxp-", "xapp-1-"])), draw(_token), ""
    pem = "RSA PRIVATE KEY-----"
    return f"-----BEGIN {pem}\n", draw(_token), f"\n-----END {pem}"


_surrounding = st.text(max_size=60)


def _check(before: str, planted: tuple[str, str, str], after: str) -> None:
    prefix, secret, suffix = planted
    # The secret may not already be in the text around it (hypothesis tries that).
    assume(secret not in f"{before}{prefix}\0{suffix}{after}")
    assert secret not in mask_secrets(f"{before}{prefix}{secret}{suffix}{after}")


@given(_surrounding, _planted(), _surrounding)
def test_planted_secrets_never_survive(
    before: str, planted: tuple[str, str, str], after: str
) -> None:
    # Separated from the text around, as in any real log.
    _check(before + " ", planted, " " + after)


@given(_surrounding, _planted(), _surrounding)
def test_planted_secrets_never_survive_text_glued_to_them(
    before: str, planted: tuple[str, str, str], after: str
) -> None:
    _check(before, planted, after)


@given(
    st.text(max_size=200),
    st.text(alphabet=_SAFE + " \"'&<>", min_size=4, max_size=30),
    st.text(max_size=200),
)
def test_extra_values_never_survive(before: str, secret: str, after: str) -> None:
    # Masks only ever replace text with `****`, and the secret has no `*`, so no
    # occurrence can survive or be formed anew, whatever surrounds it.
    assert secret not in mask_secrets(before + secret + after + secret, [secret])


_params = st.recursive(
    st.text(max_size=10) | st.integers() | st.booleans() | st.none(),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(["password", "user", "token", "x"]), children, max_size=4)
    ),
    max_leaves=20,
)


@given(_params)
def test_secret_param_values_never_raises(params: object) -> None:
    values = secret_param_values({"root": params, "password": params})
    assert all(isinstance(v, str) and v.strip() for v in values)


_PIECES = st.sampled_from(
    [
        "password=hunter2",
        "Authorization: Bearer abc.def",
        "TD1 abcdef",
        "1234/" + "a" * 40,
        "apikey " + "b" * 40,
        "AKIAIOSFODNN7EXAMPLE",
        "xoxb-123-abc",
        "https://hooks.slack.com/services/T/B/x",
        "ghp_abcdefgh12345",
        "eyJhbGc.eyJzdWIi.sig",
        "--token s3cr3t",
        "https://u:p4ss@host/",
        "-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----",
        "PGPASSWORD: x1",
        '"secret": "v"',
        "plain words",
        " ",
        "\n",
        "=",
        ":",
        "@",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES | st.text(max_size=12), max_size=8))
def test_the_quick_check_never_skips_a_text_a_rule_would_change(parts: list[str]) -> None:
    text = "".join(parts)
    every_rule = text
    for pattern, replacement in masking._PATTERNS:
        every_rule = pattern.sub(replacement, every_rule)
    every_rule = masking._mask_key_values(every_rule)
    assert mask_secrets(text) == every_rule
