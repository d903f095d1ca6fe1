"""Signed letters between deployments: envelope, keys, peer directory, outbox, sender, receiver."""
