"""Scopes (AGREEMENTS.md section 2): ``CONTEXT/KEY=PATTERN[,KEY=PATTERN...]``.

A scope resolves against the newest value of its context (a JSON object of strings) when
every KEY is present with a value in which PATTERN (a regular expression) is found; its
labels are then ``CONTEXT_KEY="VALUE"``, sorted by key.
"""

import re
from dataclasses import dataclass

from agreements.engine.errors import AgreementError

NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
# A comma starts a new KEY=PATTERN only where a key and "=" follow (patterns may hold commas).
PAIR_SPLIT_RE = re.compile(r",(?=\s*[A-Za-z_][A-Za-z0-9_]*\s*=)")
MAX_SCOPE_LENGTH = 1000


@dataclass(frozen=True)
class Scope:
    """A parsed scope: the context name and (key, compiled pattern) pairs in key order."""

    context: str
    patterns: tuple[tuple[str, re.Pattern], ...]

    def labels(self, value: dict | None) -> dict[str, str] | None:
        """The labels this scope gives with the context ``value``; None if it does not
        resolve (no value, a key missing, a pattern not found)."""
        if not isinstance(value, dict):
            return None
        labels = {}
        for key, pattern in self.patterns:
            text = value.get(key)
            if not isinstance(text, str) or not pattern.search(text):
                return None
            labels[f"{self.context}_{key}"] = text
        return labels


def parse_scope(text: str) -> Scope | None:
    """None for the empty scope; :class:`AgreementError` (field empty) on a malformed one."""
    if text is None or not str(text).strip():
        return None
    if not isinstance(text, str) or len(text) > MAX_SCOPE_LENGTH:
        raise AgreementError("", f"give CONTEXT/KEY=PATTERN of at most {MAX_SCOPE_LENGTH} chars")
    context, slash, rest = text.strip().partition("/")
    if not slash or not NAME_RE.match(context):
        raise AgreementError(
            "", f"{text!r} is not CONTEXT/KEY=PATTERN (e.g. company_premises/building=.)"
        )
    pairs = {}
    for piece in PAIR_SPLIT_RE.split(rest):
        key, equals, pattern = piece.partition("=")
        key = key.strip()
        if not equals or not NAME_RE.match(key) or not pattern:
            raise AgreementError("", f"{piece!r} in {text!r} is not KEY=PATTERN (e.g. building=.)")
        if key in pairs:
            raise AgreementError("", f"key {key!r} appears twice in {text!r}")
        try:
            pairs[key] = re.compile(pattern)
        except re.error as error:
            raise AgreementError("", f"pattern {pattern!r} of {key!r}: {error}") from None
    return Scope(context=context, patterns=tuple(sorted(pairs.items())))


def validate_context_value(value) -> dict[str, str]:
    """A context value must be a JSON object of strings (keys and values)."""
    if not isinstance(value, dict):
        raise AgreementError("", 'give a JSON object of strings, e.g. {"building": "Red"}')
    if len(value) > 200:
        raise AgreementError("", "at most 200 keys")
    for key, text in value.items():
        if not isinstance(key, str) or not key or len(key) > 200:
            raise AgreementError("", "keys are non-empty strings of at most 200 characters")
        if "\x00" in key:
            raise AgreementError("", "keys may not hold NUL characters")
        if not isinstance(text, str) or len(text) > 1000 or "\x00" in text:
            raise AgreementError(key, "give a string of at most 1000 characters (no NUL)")
    return dict(value)
