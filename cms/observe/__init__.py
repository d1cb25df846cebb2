"""Operations: what the process tells an operator (Prometheus metrics, structured logs' request context)."""
