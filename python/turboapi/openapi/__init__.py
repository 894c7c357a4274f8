"""The OpenAPI document (``utils.get_openapi``) and the pages that show it (``docs``), as FastAPI 0.92."""
