"""Media layer tests against the real pjsua2 library (one endpoint per test session)."""
