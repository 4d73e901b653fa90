"""The errors of the Prometheus client: every failure is a :class:`PrometheusError` whose
``str()`` is a message fit to show a user."""


class PrometheusError(Exception):
    """A query or request that gave no usable answer; ``str()`` is the user-facing text."""


class PrometheusUnreachable(PrometheusError):
    """No connection (refused, DNS, TLS) or the address guard refused the host."""


class PrometheusTimeout(PrometheusError):
    """No answer within the timeout."""


class PrometheusHTTPError(PrometheusError):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


class PrometheusAPIError(PrometheusError):
    """Prometheus' error envelope: ``{"status": "error", "errorType", "error"}``."""

    def __init__(self, status: int, error_type: str, error: str):
        super().__init__(f"Prometheus {error_type}: {error}")
        self.status = status
        self.error_type = error_type
        self.error = error


class PrometheusPartialData(PrometheusError):
    """The answer came with warnings (partial data): not to be taken as complete."""

    def __init__(self, warnings: list[str]):
        super().__init__("partial data: " + "; ".join(warnings)[:1000])
        self.warnings = warnings


class PrometheusResultError(PrometheusError):
    """An answer of the wrong type or shape (scalar where a vector was asked, several
    series where one is expected, a non-finite sample ...)."""
