"""Device identity, signed tamper-evident events, encryption at rest, receipts."""
