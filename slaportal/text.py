"""Text that cannot be stored: lone UTF-16 surrogates.

JSON's `\\u` escapes can carry half of a surrogate pair (`"x\\udfff"`); Python keeps it in
a str, but UTF-8 cannot encode it, so PostgreSQL's driver, the JSON renderer and every
file writer fail on it (a 500, or a whole batch lost). A proper pair (`"\\ud83d\\ude00"`)
is decoded into one character and is fine. Form posts cannot carry one (Django decodes
their bytes with replacement), so JSON bodies (and YAML documents, whose escapes can too)
are the only way in: they are checked where they are parsed (the API's JSON parser) or,
for batches that reject item by item, per item.
"""

import re

LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def lone_surrogate_error(value) -> str | None:
    """The message for a str holding a lone surrogate; None for anything else."""
    if not isinstance(value, str):
        return None
    found = LONE_SURROGATE.search(value)
    if found is None:
        return None
    return (
        f"Not valid Unicode text: it holds a lone surrogate U+{ord(found.group()):04X} "
        "(half of a UTF-16 pair); send the whole character or leave it out."
    )


def printable(text: str) -> str:
    """`text` with lone surrogates written as `\\udfff` (for naming a bad key)."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def lone_surrogate_fields(data, prefix: str = "") -> dict[str, list[str]]:
    """{path: [message]} of every string (value or key) holding a lone surrogate in parsed
    JSON; paths look like the API's error paths (`items[3].labels.team`)."""
    found: dict[str, list[str]] = {}
    _walk(data, prefix, found)
    return found


def _walk(value, path: str, found: dict) -> None:
    if isinstance(value, str):
        message = lone_surrogate_error(value)
        if message:
            found[path or "non_field_errors"] = [message]
    elif isinstance(value, dict):
        for key, item in value.items():
            key_text = str(key)
            child = f"{path}.{printable(key_text)}" if path else printable(key_text)
            message = lone_surrogate_error(key_text)
            if message:
                found[child] = [message]
                continue
            _walk(item, child, found)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _walk(item, f"{path}[{index}]", found)
