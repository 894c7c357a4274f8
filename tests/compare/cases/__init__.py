"""Case tables, one module per feature; each defines CASES (a list of harness.Case).

The app of feature X is tests/e2e/apps/api_X.py.
"""

FEATURES = ["params", "bodies", "models", "responses", "errors", "forms", "security", "structure", "request",
            "lifecycle", "routing", "paths", "openapi", "errors_global", "middleware", "middleware_https"]
