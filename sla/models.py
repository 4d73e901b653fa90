"""SLA models (filled in by the engine and ingestion work)."""
