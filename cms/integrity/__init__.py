"""cms/integrity: checks that the stored data is whole (``gongkai verify``)."""
