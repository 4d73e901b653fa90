"""The Atlassian Statuspage public API v2, as documented, written down as JSON Schema.

Sources: the API page every Statuspage page publishes (e.g.
https://confluence.status.atlassian.com/api and https://metastatuspage.com/api: summary.json,
status.json, components.json, incidents.json, incidents/unresolved.json,
scheduled-maintenances.json, .../upcoming.json, .../active.json with their example
responses) and the typed public client `statuspage.io` (npm, dist/interfaces/Result.d.ts).

Objects are closed (`additionalProperties: false`) so a field we invent or misspell fails,
and every documented field is required so a field we forget fails too.
"""

TIME = {"type": "string", "format": "date-time"}
TIME_OR_NULL = {"anyOf": [TIME, {"type": "null"}]}
TEXT_OR_NULL = {"type": ["string", "null"]}

COMPONENT_STATUSES = [
    "operational",
    "degraded_performance",
    "partial_outage",
    "major_outage",
    "under_maintenance",
]
INDICATORS = ["none", "minor", "major", "critical", "maintenance"]
INCIDENT_STATUSES = ["investigating", "identified", "monitoring", "resolved", "postmortem"]
INCIDENT_IMPACTS = ["none", "minor", "major", "critical"]
MAINTENANCE_STATUSES = ["scheduled", "in_progress", "verifying", "completed"]
MAINTENANCE_IMPACTS = [*INCIDENT_IMPACTS, "maintenance"]

PAGE = {
    "type": "object",
    "additionalProperties": False,
    "required": ["id", "name", "url", "time_zone", "updated_at"],
    "properties": {
        "id": {"type": "string"},
        "name": {"type": "string"},
        "url": {"type": "string", "format": "uri"},
        "time_zone": {"type": "string"},
        "updated_at": TIME,
    },
}

STATUS = {
    "type": "object",
    "additionalProperties": False,
    "required": ["indicator", "description"],
    "properties": {
        "indicator": {"enum": INDICATORS},
        "description": {"type": "string"},
    },
}

_COMPONENT_FIELDS = {
    "id": {"type": "string"},
    "name": {"type": "string"},
    "status": {"enum": COMPONENT_STATUSES},
    "created_at": TIME,
    "updated_at": TIME,
    "position": {"type": "integer"},
    "description": TEXT_OR_NULL,
    "showcase": {"type": "boolean"},
    "start_date": {"anyOf": [{"type": "string", "format": "date"}, {"type": "null"}]},
    "group_id": TEXT_OR_NULL,
    "page_id": {"type": "string"},
    "group": {"type": "boolean"},
    "only_show_if_degraded": {"type": "boolean"},
}

COMPONENT = {
    "type": "object",
    "additionalProperties": False,
    "required": list(_COMPONENT_FIELDS),
    "properties": {
        **_COMPONENT_FIELDS,
        # component groups list their members
        "components": {"type": "array", "items": {"type": "string"}},
    },
}

AFFECTED_COMPONENT = {
    "type": "object",
    "additionalProperties": False,
    "required": ["code", "name", "old_status", "new_status"],
    "properties": {
        "code": {"type": "string"},
        "name": {"type": "string"},
        "old_status": {"enum": COMPONENT_STATUSES},
        "new_status": {"enum": COMPONENT_STATUSES},
    },
}


def _update(statuses):
    return {
        "type": "object",
        "additionalProperties": False,
        "required": [
            "id",
            "status",
            "body",
            "incident_id",
            "created_at",
            "updated_at",
            "display_at",
            "affected_components",
        ],
        "properties": {
            "id": {"type": "string"},
            "status": {"enum": statuses},
            "body": {"type": "string"},
            "incident_id": {"type": "string"},
            "created_at": TIME,
            "updated_at": TIME,
            "display_at": TIME,
            "affected_components": {
                "anyOf": [{"type": "array", "items": AFFECTED_COMPONENT}, {"type": "null"}]
            },
            "deliver_notifications": {"type": "boolean"},
            "custom_tweet": TEXT_OR_NULL,
            "tweet_id": TEXT_OR_NULL,
        },
    }


_INCIDENT_FIELDS = {
    "id": {"type": "string"},
    "name": {"type": "string"},
    "created_at": TIME,
    "updated_at": TIME,
    "monitoring_at": TIME_OR_NULL,
    "resolved_at": TIME_OR_NULL,
    "shortlink": {"type": "string", "format": "uri"},
    "started_at": TIME,
    "page_id": {"type": "string"},
    "components": {"type": "array", "items": COMPONENT},
}

INCIDENT = {
    "type": "object",
    "additionalProperties": False,
    "required": [*_INCIDENT_FIELDS, "status", "impact", "incident_updates"],
    "properties": {
        **_INCIDENT_FIELDS,
        "status": {"enum": INCIDENT_STATUSES},
        "impact": {"enum": INCIDENT_IMPACTS},
        "incident_updates": {"type": "array", "items": _update(INCIDENT_STATUSES)},
    },
}

SCHEDULED_MAINTENANCE = {
    "type": "object",
    "additionalProperties": False,
    "required": [
        *_INCIDENT_FIELDS,
        "status",
        "impact",
        "incident_updates",
        "scheduled_for",
        "scheduled_until",
    ],
    "properties": {
        **_INCIDENT_FIELDS,
        "status": {"enum": MAINTENANCE_STATUSES},
        "impact": {"enum": MAINTENANCE_IMPACTS},
        "incident_updates": {"type": "array", "items": _update(MAINTENANCE_STATUSES)},
        "scheduled_for": TIME,
        "scheduled_until": TIME,
    },
}


def _document(**members):
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["page", *members],
        "properties": {"page": PAGE, **members},
    }


SUMMARY = _document(
    components={"type": "array", "items": COMPONENT},
    incidents={"type": "array", "items": INCIDENT},
    scheduled_maintenances={"type": "array", "items": SCHEDULED_MAINTENANCE},
    status=STATUS,
)

DOCUMENTS = {
    "summary.json": SUMMARY,
    "status.json": _document(status=STATUS),
    "components.json": _document(components={"type": "array", "items": COMPONENT}),
    "incidents.json": _document(incidents={"type": "array", "items": INCIDENT}),
    "incidents/unresolved.json": _document(incidents={"type": "array", "items": INCIDENT}),
    "scheduled-maintenances.json": _document(
        scheduled_maintenances={"type": "array", "items": SCHEDULED_MAINTENANCE}
    ),
    "scheduled-maintenances/upcoming.json": _document(
        scheduled_maintenances={"type": "array", "items": SCHEDULED_MAINTENANCE}
    ),
    "scheduled-maintenances/active.json": _document(
        scheduled_maintenances={"type": "array", "items": SCHEDULED_MAINTENANCE}
    ),
}
