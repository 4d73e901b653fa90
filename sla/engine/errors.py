"""Errors raised by the SLA engine."""


class SpecError(ValueError):
    """Invalid input, naming the offending field with a dotted path.

    ``field`` is a path such as ``sla.requirements[0].target`` or ``events[3].at``;
    ``str(err)`` is ``"<field>: <message>"`` so a command can print it on one line.
    """

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")

    def __reduce__(self):
        return (type(self), (self.field, self.message))
