"""The administrative audit log (管理操作审计日志)."""
