"""The REST API (Powertools REST resolver): routers stay thin, services do the work."""
