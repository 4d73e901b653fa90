"""Public text: what operators may type into it, and making it safe for XML output.

Published texts end up in HTML, JSON, Atom/RSS and SVG. XML 1.0 cannot carry most control
characters at all (not even escaped), so they are refused on input: names and titles take
no control characters, long texts only tab, line feed and carriage return. Rows written
before (or around) these checks are cleaned with `xml_safe` wherever XML is produced.
"""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible

# Characters XML 1.0 does not allow: C0 controls but tab/LF/CR, lone surrogates, U+FFFE/F.
XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Refused in public texts: all C0 and C1 controls and DEL (long texts keep tab, LF and CR),
# lone surrogates and U+FFFE/U+FFFF.
LINE_REFUSED = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
TEXT_REFUSED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """`text` without the characters XML 1.0 cannot represent."""
    return XML_ILLEGAL.sub("", text) if text else text


@deconstructible
class NoControlCharacters:
    """Refuse control characters; `multiline` lets tab, line feed and carriage return pass."""

    def __init__(self, multiline: bool = False):
        self.multiline = multiline

    def __call__(self, value) -> None:
        if not isinstance(value, str):
            return
        found = (TEXT_REFUSED if self.multiline else LINE_REFUSED).search(value)
        if found:
            char = found.group()
            kind = "control" if unicodedata.category(char) == "Cc" else "invalid"
            raise ValidationError(
                "Remove the %(kind)s character U+%(code)04X: only plain text is allowed.",
                code="control_character",
                params={"kind": kind, "code": ord(char)},
            )

    def __eq__(self, other) -> bool:
        return isinstance(other, NoControlCharacters) and self.multiline == other.multiline

    def __hash__(self) -> int:
        return hash(("NoControlCharacters", self.multiline))


validate_line = NoControlCharacters()
validate_text = NoControlCharacters(multiline=True)
