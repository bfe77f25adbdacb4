"""The I/O side of the flows: performs their actions against the store and the devices."""
