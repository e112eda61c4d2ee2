"""A course after its creation: edit, move, cancel, extend and copy, and telling everyone."""
