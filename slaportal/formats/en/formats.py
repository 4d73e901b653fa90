"""Date-times as the operator UI prints them: ISO-like, with the zone they are in
(issue 20: never an unlabelled time). Applies wherever Django formats a datetime without
an explicit format, e.g. the admin's read-only fields: "2026-12-03 05:51:00 CET"."""

DATETIME_FORMAT = "Y-m-d H:i:s T"
SHORT_DATETIME_FORMAT = "Y-m-d H:i T"
