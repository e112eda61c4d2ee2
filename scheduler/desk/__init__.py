"""The staff desk: what to do next, my sessions, exports and the audit log."""
