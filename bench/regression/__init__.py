"""The query-efficiency gate for CI (`rubench baseline`, `rubench check`)."""
