"""A simulated card processor: charges decided by test card or a seeded outcome mix, idempotent by key."""

__version__ = "1.0.0"
