"""The recipient roster: NIK validation, eligibility, signed updates from the hub."""
