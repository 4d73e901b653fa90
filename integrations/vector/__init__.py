"""integrations.vector: the endpoint Vector's `http` sink posts nginx access-log records to.

A `VectorSource` is one sink's configuration (how to read raw lines, which time counts for
latency, rules mapping records to services); its endpoint
`POST /api/v1/vector-sources/{id}/records` takes the sink's batches as they are (JSON array,
NDJSON or text, gzip or not, bearer token) and adds them to the services' per-minute
request counts through `sla.services.request_counts` (the one way in for request counts).
"""
