"""Wire-level Kubernetes API access: credentials, HTTP client, list-watch reflector."""
