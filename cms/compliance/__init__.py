"""The disclosure office's compliance dashboard (合规看板): figures computed from the repository."""
