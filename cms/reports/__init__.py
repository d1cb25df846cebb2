"""The annual report (年度报告): computed from the repository, written by staff, issued through review."""
