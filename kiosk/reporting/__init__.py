"""Reporting to the village hub over MQTT: signed events store-and-forward, acknowledgements,
presence and heartbeat, signed commands and rosters from the hub (see docs/reporting.md)."""
