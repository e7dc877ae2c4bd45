"""Secret masking for text that came from TD: logs, queries, error messages, params.

Every pattern is bounded or anchored on a literal so that masking stays linear
on adversarial input (a 100k-character log line must not take seconds). Where a
value's end is unclear, the mask errs on the side of hiding too much. Masks keep
a short, non-secret hint (an account id, a key prefix, the parameter name).
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote, quote_plus

MASK = "****"
MIN_EXACT_SECRET = 4  # shorter values would garble ordinary words and numbers
_MAX_DEPTH = 64

# Parameter and key names that hold secrets. `pass` alone only as a whole word so
# that `passed: 3` stays readable; the rest may be part of a longer name
# (`db_password`, `PGPASSWORD`, `x-auth-token`, `aws_secret_access_key`).
_SENSITIVE_WORDS = (
    r"pass(?:word|wd|phrase)|pass(?![a-z])|pwd|secret|token|credential"
    r"|api[_\-.]?key|private[_\-.]?key|access[_\-.]?key|auth[_\-.]?key"
    r"|session[_\-.]?key|signing[_\-.]?key"
)
_SECRET_NAME = re.compile(_SENSITIVE_WORDS, re.IGNORECASE)


def is_secret_name(name: str) -> bool:
    """Whether a parameter or key name looks like it holds a secret."""
    return _SECRET_NAME.search(name) is not None


def secret_param_values(params: Mapping[str, Any]) -> list[str]:
    """Every string value under a secret-looking key, however deeply nested.

    Everything under such a key counts (`credentials: {user: a, pass: b}` gives
    both). Only strings are returned: numbers and booleans under names like
    `token_ttl` or `use_token` are rarely secrets, and masking every `3600` in a
    log would hide more than it protects.
    """
    found: list[str] = []
    _walk(params, secret=False, depth=0, found=found)
    return sorted(set(found), key=lambda v: (-len(v), v))


def _walk(value: Any, *, secret: bool, depth: int, found: list[str]) -> None:
    if depth > _MAX_DEPTH:
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            under = secret or (isinstance(key, str) and is_secret_name(key))
            _walk(item, secret=under, depth=depth + 1, found=found)
    elif isinstance(value, list | tuple):
        for item in value:
            _walk(item, secret=secret, depth=depth + 1, found=found)
    elif secret and isinstance(value, str) and value.strip():
        found.append(value)


def _exact_variants(values: Iterable[str]) -> list[str]:
    """The values as they may appear in text: raw, JSON-escaped and URL-encoded."""
    variants: set[str] = set()
    for value in values:
        if not isinstance(value, str) or len(value) < MIN_EXACT_SECRET:
            continue
        variants.update((value, json.dumps(value)[1:-1], quote(value, safe=""), quote_plus(value)))
    return sorted((v for v in variants if len(v) >= MIN_EXACT_SECRET), key=len, reverse=True)


def _mask_exact(s: str, values: Iterable[str]) -> str:
    variants = _exact_variants(values)
    if not any(v in s for v in variants):  # the common case, and far cheaper than a regex
        return s
    return _exact_pattern(tuple(variants)).sub(MASK, s)


@functools.lru_cache(maxsize=256)
def _exact_pattern(variants: tuple[str, ...]) -> re.Pattern[str]:
    # One message masks many texts with the same values: compile them once.
    return re.compile("|".join(re.escape(v) for v in variants))


_I = re.IGNORECASE
# Quoted strings may be written with escaped quotes (JSON inside JSON: \"...\").
_QUOTED = r"(?P<q>\\{0,3}[\"'])(?P<qv>(?:\\.|[^\\\n]){0,1024}?)(?P=q)"
_UNQUOTED = r"(?P<uv>\\{0,3}[\"']?[^\s\"'&]+)"

_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    # PEM private keys, also when a log was cut before the END line.
    (
        re.compile(
            r"(-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----)"
            r".*?(?:(-----END [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----)|\Z)",
            re.DOTALL,
        ),
        r"\1" + MASK + r"\2",
    ),
    # scheme://user:password@host; secret keys in s3:// URLs may contain '/'.
    (re.compile(r"(://[^/\s:@]{0,256}):[^\s@]{1,512}@"), r"\1:" + MASK + "@"),
    # Authorization headers: keep the scheme, hide the rest of the value.
    (
        re.compile(
            r"(authorization\\{0,3}[\"']?[ \t]{0,8}[:=][ \t]{0,8}\\{0,3}[\"']?[ \t]{0,8}"
            r"(?:(?:basic|bearer|td1|token|digest|negotiate|aws4-hmac-sha256)[ \t]{1,8})?)"
            r"[^\n\"'\\]+",
            _I,
        ),
        r"\1" + MASK,
    ),
    (re.compile(r"\b((?:bearer|td1)[ \t]{1,8})[A-Za-z0-9\-._~+/]+=*", _I), r"\1" + MASK),
    # TD API keys: `<account id>/<40 hex>`; the account id is not secret.
    (re.compile(r"(\d{1,12})/[0-9a-fA-F]{40}[0-9a-fA-F]*"), r"\1/" + MASK),
    # A bare 40-hex key shortly after the word apikey.
    (
        re.compile(r"(api[ _\-.]?key\b.{0,32}?)\b[0-9a-fA-F]{40}[0-9a-fA-F]*", _I),
        r"\1" + MASK,
    ),
    # AWS access key ids.
    (re.compile(r"(A(?:KIA|SIA|BIA|CCA))[A-Z0-9]{16}"), r"\1" + MASK),
    # Slack tokens and incoming-webhook URLs.
    (re.compile(r"(xox[abposre]-|xapp-)[A-Za-z0-9\-]+"), r"\1" + MASK),
    (re.compile(r"(hooks\.slack\.com/services/)[A-Za-z0-9/_\-]+"), r"\1" + MASK),
    # GitHub tokens and JWTs.
    (re.compile(r"(gh[pousr]_|github_pat_)[A-Za-z0-9_]{8,}"), r"\1" + MASK),
    (re.compile(r"(eyJ)[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]*"), r"\1" + MASK),
    # Command-line flags: --password hunter2
    (
        re.compile(
            r"((?<![\w-])--?(?:password|passwd|pass|token|secret|api-?key)[ \t]{1,8})[^\s\"']+",
            _I,
        ),
        r"\1" + MASK,
    ),
]

# key=value, key: value, "key": "value", key => value (URLs, env, YAML, JSON, Ruby).
# Not `${secret:name}`: Digdag's reference names a secret without holding it.
_KEY_VALUE = re.compile(
    rf"(?!(?<=\$\{{)secret:[\w.\-]{{1,128}}\}})"
    rf"(?P<key>(?:{_SENSITIVE_WORDS})[\w.\-]{{0,64}}+\\{{0,3}}[\"']?)"
    rf"(?P<sep>[ \t]{{0,8}}(?:=>|=|:)[ \t]{{0,8}})"
    rf"(?:{_QUOTED}|{_UNQUOTED})",
    _I,
)
_PLACEHOLDER = re.compile(r"\$\{[^}\s]*\}|\*+|<[^>\s]*>")


def _mask_key_values(s: str) -> str:
    def replace(match: re.Match[str]) -> str:
        value = match["qv"] if match["q"] is not None else match["uv"]
        quote_mark = match["q"] or ""
        bare = value.lstrip("\\\"'")
        # `${secret:x}` and already-masked values carry no secret and help the reader.
        if not bare or _PLACEHOLDER.fullmatch(bare):
            return match[0]
        return f"{match['key']}{match['sep']}{quote_mark}{MASK}{quote_mark}"

    return _KEY_VALUE.sub(replace, s)


# Every literal some rule needs (a superset, case-folded): a text with none of them holds
# nothing any rule would mask, which one search tells far faster than every rule's sub.
_MAYBE = re.compile(
    r"-----BEGIN|://[^/\s:@]{0,256}:[^\s@]{1,512}@|authorization|bearer|td1"
    r"|\d/[0-9a-f]{40}|api[ _\-.]?key|a(?:kia|sia|bia|cca)[a-z0-9]{16}|xox[abposre]-|xapp-"
    r"|hooks\.slack\.com/services/|gh[pousr]_|github_pat_|eyj|--?(?:password|passwd|pass|token"
    rf"|secret|api-?key)|{_SENSITIVE_WORDS}",
    re.IGNORECASE,
)


def mask_secrets(s: str, extra_secret_values: Iterable[str] = ()) -> str:
    """Replace secrets in `s` with masks that keep a short hint and never the secret.

    `extra_secret_values` are exact values known to be secret (see
    `secret_param_values`); they are masked first, so that a pattern that masks
    part of one cannot leave the rest behind.
    """
    s = _mask_exact(s, extra_secret_values)
    if not _MAYBE.search(s):
        return s
    for pattern, replacement in _PATTERNS:
        s = pattern.sub(replacement, s)
    return _mask_key_values(s)


_MIN_FOUND = 6
_URL_PASSWORD = re.compile(r"://[^/\s:@]{0,256}:([^\s@]{1,512})@")


def found_secrets(s: str) -> set[str]:
    """The secret values the rules find by their context (``password=…``, ``user:…@``).

    Masking hides them where the context is; callers that show several texts
    together mask these values everywhere, where the same value may stand alone.
    """
    found = {match[1] for match in _URL_PASSWORD.finditer(s)}
    for match in _KEY_VALUE.finditer(s):
        value = match["qv"] if match["q"] is not None else match["uv"]
        bare = value.strip("\\\"'")
        if bare and not _PLACEHOLDER.fullmatch(bare):
            found.add(bare)
    # Hidden everywhere they appear, so short or all-digit values would also cut
    # into ids and counts (`token_ttl: 3600` inside job 2187736001): those stay
    # masked only where their key is.
    return {v for v in found if len(v) >= _MIN_FOUND and not v.isdigit() and MASK not in v}


class SecretMemory:
    """The secret param values this process has read from TD, for texts that cannot know
    them: a log line that echoes a session's ``partner_sftp_password`` has no attempt
    at hand. Bounded (the newest ``keep``), so a long-running bot does not grow."""

    def __init__(self, keep: int = 1024) -> None:
        self._keep = keep
        self._values: dict[str, None] = {}  # insertion order: the oldest first

    def remember(self, values: Iterable[str]) -> None:
        for value in values:
            if isinstance(value, str) and len(value) >= MIN_EXACT_SECRET:
                self._values.pop(value, None)
                self._values[value] = None
        while len(self._values) > self._keep:
            del self._values[next(iter(self._values))]

    def values(self) -> tuple[str, ...]:
        return tuple(self._values)


SECRETS_SEEN = SecretMemory()
"""Every attempt the TD client reads adds its secret-looking params here."""
