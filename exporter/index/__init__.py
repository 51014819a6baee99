"""In-memory indexes of watched objects, one per kind, and the lookups across them."""
