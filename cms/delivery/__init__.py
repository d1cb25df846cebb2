"""Delivery to portals: canonical URLs and public keys, Atom/RSS feeds and sitemaps (issue #16)."""
