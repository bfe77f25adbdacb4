"""SQLite storage: roster, encrypted templates, claims, signed events, outbox."""
