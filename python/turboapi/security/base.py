"""The base of every security scheme: a dependency (``Depends(scheme)`` / ``Security(scheme)``)
that also describes itself for the OpenAPI document."""

from typing import Any, Dict


class SchemeModel(dict):
    """An OpenAPI security scheme object, as the JSON dict the document shows
    (``{"type": "http", "scheme": "bearer"}``), whose keys also read as attributes
    (``scheme.model.name``, ``scheme.model.flows``), like FastAPI's pydantic models.
    ``in`` and ``type`` are also readable as ``in_`` / ``type_``."""

    def __getattr__(self, name: str) -> Any:
        key = name[:-1] if name in ("in_", "type_") else name
        try:
            value = self[key]
        except KeyError:
            raise AttributeError(name) from None
        return SchemeModel(value) if isinstance(value, dict) and not isinstance(value, SchemeModel) else value


def scheme_model(**fields: Any) -> SchemeModel:
    """The scheme dict without None values (FastAPI dumps these with ``exclude_none``)."""
    return SchemeModel(_drop_none(fields))


def _drop_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    return value


class SecurityBase:
    """``model``: the OpenAPI security scheme (a dict); ``scheme_name``: its key under
    ``components.securitySchemes`` (the class name unless ``scheme_name=`` was given)."""

    model: SchemeModel
    scheme_name: str
    auto_error: bool

    def openapi_scheme(self) -> Dict[str, Any]:
        """The scheme object for ``components.securitySchemes[self.scheme_name]``."""
        return dict(self.model)
