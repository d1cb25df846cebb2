"""Importing an existing disclosure catalog from a sheet (xlsx or CSV), with attachments from a zip."""
