"""The one error of the agreement engine: bad input, naming the field."""


class AgreementError(ValueError):
    """Input the engine refuses. ``field`` names where (``guarantees[0].query``), ``message``
    says what is wrong in words a user can act on; ``str()`` is ``field: message``."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field
        self.message = message

    def within(self, prefix: str) -> "AgreementError":
        """The same error with its field placed under ``prefix``."""
        field = f"{prefix}.{self.field}" if self.field else prefix
        return AgreementError(field, self.message)
