"""Ingress 5xx attribution: log sources → parsers → pod-IP timeline join → counters."""
