"""The OpenAPI 3.0 document's objects, as FastAPI 0.92 declares them (``fastapi/openapi/models.py``),
without pydantic.

FastAPI builds its document as plain dicts and then passes it through its pydantic ``OpenAPI`` model
(``jsonable_encoder(OpenAPI(**output), by_alias=True, exclude_none=True)``). That pass is not neutral:
it puts every object's keys in the order the model declares its fields (extra keys after them),
turns the ints of float fields into floats (``"exclusiveMinimum": 0.0``), drops every None and fills
defaults (an OAuth2 flow's ``"scopes": {}``). ``normalize(OPENAPI, document)`` does the same, so
that our ``/openapi.json`` is the same bytes as FastAPI's.

Each object is a ``Model``: its fields as ``(json key, type, required, default)``, in declaration
order (a subclass's fields after its base's, as pydantic 1 orders them), and whether it keeps extra
keys. Types: ``str``, ``int``, ``float``, ``bool``, ``ANY``, ``URL``, an ``Enum_``, ``List_(t)``,
``Dict_(t)``, ``Union_(t, ...)`` (the first that accepts the value wins, as pydantic 1 tries them)
or a ``Model``.
"""

import decimal
import enum
from typing import Any, Dict, Optional, Sequence, Tuple

from ..encoders import jsonable_encoder


class Invalid(Exception):
    """The value does not fit the type (pydantic would raise a ValidationError)."""


ANY = "any"
URL = "url"
_MISSING = object()


class List_:  # noqa: N801 - reads like typing.List
    def __init__(self, item: Any) -> None:
        self.item = item


class Dict_:  # noqa: N801
    def __init__(self, value: Any) -> None:
        self.value = value


class Union_:  # noqa: N801
    def __init__(self, *options: Any) -> None:
        self.options = options


class Enum_:  # noqa: N801
    def __init__(self, *values: str) -> None:
        self.values = values


class Model:
    def __init__(self, name: str, fields: Sequence[Tuple[Any, ...]], *, extra: bool = True,
                 base: Optional["Model"] = None) -> None:
        self.name = name
        self.extra = extra if base is None else base.extra
        own: Dict[str, Tuple[Any, bool, Any]] = {}
        if base is not None:
            own.update(base.fields)
        for entry in fields:
            key, type_ = entry[0], entry[1]
            required = entry[2] if len(entry) > 2 else False
            default = entry[3] if len(entry) > 3 else None
            own[key] = (type_, required, default)  # a redefined field keeps its place (pydantic 1)
        self.fields = own

    def __call__(self, value: Any = None, /, **fields: Any) -> Dict[str, Any]:
        """The object as a JSON dict: ``OAuthFlows(password={"tokenUrl": "token"})`` (as FastAPI's
        pydantic models are built, e.g. for a custom ``OAuth2`` subclass) or ``Model(a_dict)``."""
        data = dict(value or {}, **fields)
        return encode(validate(self, data))

    def __repr__(self) -> str:
        return f"Model({self.name})"


def validate(type_: Any, value: Any) -> Any:
    """``value`` as pydantic 1 would store it in a field of ``type_``; raises ``Invalid``."""
    if type_ is ANY:
        return value
    if isinstance(type_, Model):
        if isinstance(value, enum.Enum):
            value = value.value
        if not isinstance(value, dict):
            raise Invalid(f"{type_.name}: not an object")
        out: Dict[str, Any] = {}
        for key, (ftype, required, default) in type_.fields.items():
            if key in value:
                v = value[key]
                out[key] = None if v is None and not required else validate(ftype, v)
            elif required:
                raise Invalid(f"{type_.name}: {key} is required")
            else:
                out[key] = _copy(default)
        if type_.extra:
            for key, v in value.items():
                if key not in type_.fields:
                    out[key] = v
        return out
    if isinstance(type_, Union_):
        for option in type_.options:
            try:
                return validate(option, value)
            except Invalid:
                continue
        raise Invalid("no member of the union accepts the value")
    if isinstance(type_, List_):
        if not isinstance(value, (list, tuple, set, frozenset)):
            raise Invalid("not a list")
        return [validate(type_.item, v) for v in value]
    if isinstance(type_, Dict_):
        if not isinstance(value, dict):
            raise Invalid("not a dict")
        return {k: validate(type_.value, v) for k, v in value.items()}
    if isinstance(type_, Enum_):
        v = value.value if isinstance(value, enum.Enum) else value
        if v not in type_.values:
            raise Invalid(f"{value!r} is not one of {type_.values}")
        return v
    if value is None:
        raise Invalid("None is not allowed")
    if type_ is float:
        if isinstance(value, float):
            return value
        try:
            return float(value)
        except (TypeError, ValueError):
            raise Invalid("not a number") from None
    if type_ is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        try:
            return int(value)
        except (TypeError, ValueError):
            raise Invalid("not an integer") from None
    if type_ is bool:
        if value is True or value is False:
            return value
        if isinstance(value, (int, float, decimal.Decimal)) and value in (0, 1):
            return bool(value)
        if isinstance(value, str) and value.lower() in {"0", "off", "f", "false", "n", "no"}:
            return False
        if isinstance(value, str) and value.lower() in {"1", "on", "t", "true", "y", "yes"}:
            return True
        raise Invalid("not a bool")
    if type_ is str or type_ is URL:
        if isinstance(value, enum.Enum) and isinstance(value, str):
            return value.value
        if isinstance(value, str):
            return value
        if isinstance(value, (int, float, decimal.Decimal)) and not (type_ is URL):
            return str(value)
        if isinstance(value, (bytes, bytearray)):
            return value.decode()
        raise Invalid("not a string")
    raise TypeError(f"unknown field type {type_!r}")


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def encode(value: Any) -> Any:
    """FastAPI's ``jsonable_encoder(..., exclude_none=True)`` of the validated document: None
    values of dicts go away at every depth (None items of lists stay)."""
    if isinstance(value, dict):
        return {encode(k): encode(v) for k, v in value.items() if v is not None}
    if isinstance(value, (list, tuple)):
        return [encode(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        if isinstance(value, enum.Enum):
            return encode(value.value)
        return value
    return encode(jsonable_encoder(value))


def normalize(model: Model, value: Any) -> Any:
    """``value`` as FastAPI's pydantic model ``model`` would dump it (see the module docstring)."""
    return encode(validate(model, value))


# --- the objects, in fastapi/openapi/models.py's order -------------------------------------------

Contact = Model("Contact", [("name", str), ("url", URL), ("email", str)])
License = Model("License", [("name", str, True), ("url", URL)])
Info = Model("Info", [("title", str, True), ("description", str), ("termsOfService", str),
                      ("contact", Contact), ("license", License), ("version", str, True)])
ServerVariable = Model("ServerVariable", [("enum", List_(str)), ("default", str, True), ("description", str)])
Server = Model("Server", [("url", Union_(URL, str), True), ("description", str),
                          ("variables", Dict_(ServerVariable))])
Reference = Model("Reference", [("$ref", str, True)], extra=False)
Discriminator = Model("Discriminator", [("propertyName", str, True), ("mapping", Dict_(str))], extra=False)
XML = Model("XML", [("name", str), ("namespace", str), ("prefix", str), ("attribute", bool), ("wrapped", bool)])
ExternalDocumentation = Model("ExternalDocumentation", [("description", str), ("url", URL, True)])

Schema = Model("Schema", [])
Schema.__init__("Schema", [
    ("$ref", str), ("title", str), ("multipleOf", float), ("maximum", float), ("exclusiveMaximum", float),
    ("minimum", float), ("exclusiveMinimum", float), ("maxLength", int), ("minLength", int), ("pattern", str),
    ("maxItems", int), ("minItems", int), ("uniqueItems", bool), ("maxProperties", int), ("minProperties", int),
    ("required", List_(str)), ("enum", List_(ANY)), ("type", str), ("allOf", List_(Schema)),
    ("oneOf", List_(Schema)), ("anyOf", List_(Schema)), ("not", Schema), ("items", Union_(Schema, List_(Schema))),
    ("properties", Dict_(Schema)), ("additionalProperties", Union_(Schema, Reference, bool)),
    ("description", str), ("format", str), ("default", ANY), ("nullable", bool), ("discriminator", Discriminator),
    ("readOnly", bool), ("writeOnly", bool), ("xml", XML), ("externalDocs", ExternalDocumentation),
    ("example", ANY), ("deprecated", bool),
])

Example = Model("Example", [("summary", str), ("description", str), ("value", ANY), ("externalValue", URL)])
ParameterInType = Enum_("query", "header", "path", "cookie")

Header = Model("Header", [])
Encoding = Model("Encoding", [("contentType", str), ("headers", Dict_(Union_(Header, Reference))), ("style", str),
                              ("explode", bool), ("allowReserved", bool)])
MediaType = Model("MediaType", [("schema", Union_(Schema, Reference)), ("example", ANY),
                                ("examples", Dict_(Union_(Example, Reference))), ("encoding", Dict_(Encoding))])
ParameterBase = Model("ParameterBase", [
    ("description", str), ("required", bool), ("deprecated", bool), ("style", str), ("explode", bool),
    ("allowReserved", bool), ("schema", Union_(Schema, Reference)), ("example", ANY),
    ("examples", Dict_(Union_(Example, Reference))), ("content", Dict_(MediaType)),
])
Parameter = Model("Parameter", [("name", str, True), ("in", ParameterInType, True)], base=ParameterBase)
Header.__init__("Header", [], base=ParameterBase)
RequestBody = Model("RequestBody", [("description", str), ("content", Dict_(MediaType), True), ("required", bool)])
Link = Model("Link", [("operationRef", str), ("operationId", str), ("parameters", Dict_(ANY)),
                      ("requestBody", ANY), ("description", str), ("server", Server)])
Response = Model("Response", [("description", str, True), ("headers", Dict_(Union_(Header, Reference))),
                              ("content", Dict_(MediaType)), ("links", Dict_(Union_(Link, Reference)))])
PathItem = Model("PathItem", [])
Operation = Model("Operation", [
    ("tags", List_(str)), ("summary", str), ("description", str), ("externalDocs", ExternalDocumentation),
    ("operationId", str), ("parameters", List_(Union_(Parameter, Reference))),
    ("requestBody", Union_(RequestBody, Reference)), ("responses", Dict_(Union_(Response, ANY)), True),
    ("callbacks", Dict_(Union_(Dict_(PathItem), Reference))), ("deprecated", bool),
    ("security", List_(Dict_(List_(str)))), ("servers", List_(Server)),
])
PathItem.__init__("PathItem", [
    ("$ref", str), ("summary", str), ("description", str), ("get", Operation), ("put", Operation),
    ("post", Operation), ("delete", Operation), ("options", Operation), ("head", Operation), ("patch", Operation),
    ("trace", Operation), ("servers", List_(Server)), ("parameters", List_(Union_(Parameter, Reference))),
])

SecuritySchemeType = Enum_("apiKey", "http", "oauth2", "openIdConnect")
SecurityBase = Model("SecurityBase", [("type", SecuritySchemeType, True), ("description", str)])
APIKeyIn = Enum_("query", "header", "cookie")
APIKey = Model("APIKey", [("type", SecuritySchemeType, False, "apiKey"), ("in", APIKeyIn, True), ("name", str, True)],
               base=SecurityBase)
HTTPBase = Model("HTTPBase", [("type", SecuritySchemeType, False, "http"), ("scheme", str, True)], base=SecurityBase)
HTTPBearer = Model("HTTPBearer", [("scheme", str, False, "bearer"), ("bearerFormat", str)], base=HTTPBase)
OAuthFlow = Model("OAuthFlow", [("refreshUrl", str), ("scopes", Dict_(str), False, {})])
OAuthFlowImplicit = Model("OAuthFlowImplicit", [("authorizationUrl", str, True)], base=OAuthFlow)
OAuthFlowPassword = Model("OAuthFlowPassword", [("tokenUrl", str, True)], base=OAuthFlow)
OAuthFlowClientCredentials = Model("OAuthFlowClientCredentials", [("tokenUrl", str, True)], base=OAuthFlow)
OAuthFlowAuthorizationCode = Model("OAuthFlowAuthorizationCode",
                                   [("authorizationUrl", str, True), ("tokenUrl", str, True)], base=OAuthFlow)
OAuthFlows = Model("OAuthFlows", [("implicit", OAuthFlowImplicit), ("password", OAuthFlowPassword),
                                  ("clientCredentials", OAuthFlowClientCredentials),
                                  ("authorizationCode", OAuthFlowAuthorizationCode)])
OAuth2 = Model("OAuth2", [("type", SecuritySchemeType, False, "oauth2"), ("flows", OAuthFlows, True)],
               base=SecurityBase)
OpenIdConnect = Model("OpenIdConnect", [("type", SecuritySchemeType, False, "openIdConnect"),
                                        ("openIdConnectUrl", str, True)], base=SecurityBase)
SecurityScheme = Union_(APIKey, HTTPBase, OAuth2, OpenIdConnect, HTTPBearer)

Components = Model("Components", [
    ("schemas", Dict_(Union_(Schema, Reference))), ("responses", Dict_(Union_(Response, Reference))),
    ("parameters", Dict_(Union_(Parameter, Reference))), ("examples", Dict_(Union_(Example, Reference))),
    ("requestBodies", Dict_(Union_(RequestBody, Reference))), ("headers", Dict_(Union_(Header, Reference))),
    ("securitySchemes", Dict_(Union_(SecurityScheme, Reference))), ("links", Dict_(Union_(Link, Reference))),
    ("callbacks", Dict_(Union_(Dict_(PathItem), Reference, ANY))),
])
Tag = Model("Tag", [("name", str, True), ("description", str), ("externalDocs", ExternalDocumentation)])
OpenAPI = Model("OpenAPI", [
    ("openapi", str, True), ("info", Info, True), ("servers", List_(Server)),
    ("paths", Dict_(Union_(PathItem, ANY)), True), ("components", Components),
    ("security", List_(Dict_(List_(str)))), ("tags", List_(Tag)), ("externalDocs", ExternalDocumentation),
])

__all__ = [name for name, value in list(globals().items()) if isinstance(value, Model)] + [
    "normalize", "validate", "encode", "Invalid", "List_", "Dict_", "Union_", "Enum_", "ANY", "URL"]
