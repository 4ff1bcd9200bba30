"""The REST API's shared types, defined once: pydantic (v2) types used by the routes' declarations
(``controllers/api_common.api_route(query=..., body=..., answer=...)``), by the OpenAPI document
generated from them, and by the models' own constraints where they mean the same thing (a person ID
on hr.employee). Plain Python: importable by models and controllers alike."""

import base64
import binascii
import re
from datetime import date, datetime
from typing import Annotated, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, PlainValidator, WithJsonSchema

from .api_errors import MAX_ID
from .face_recognition_event import FIRST_YEAR, LAST_YEAR, EventInputError, parse_day, parse_timestamp

# ------------------------------------------------------------------ person ID
PERSON_ID_MAX = 64
# No white space anywhere (so none around it either), at most 64 characters: the rule of
# hr.employee's constraint, of the REST routes and of the document (JSON Schema's regex dialect
# reads \S as Python does for the characters a person ID holds).
# Spelled out rather than \S: Python's \s also takes \x1c-\x1f and \x85, JavaScript's (the document's
# dialect) also \ufeff; refusing the union, both read this pattern alike. Control characters and the
# invisible ones (zero-width, bidirectional marks) are refused too: an ID that looks like another
# person's must not be another string.
PERSON_ID_PATTERN = r"^[^\s\x00-\x1f\x7f\x85\u200b-\u200f\u202a-\u202e\u2060\ufeff]+$"
_PERSON_ID = re.compile(PERSON_ID_PATTERN)


def is_person_id(value):
    """Whether ``value`` is a valid person ID (hr.employee.person_ref)."""
    return isinstance(value, str) and len(value) <= PERSON_ID_MAX and bool(_PERSON_ID.fullmatch(value))


PersonId = Annotated[
    str,
    Field(min_length=1, max_length=PERSON_ID_MAX, pattern=PERSON_ID_PATTERN, description="The person ID"),
]

# ------------------------------------------------------------------ ids and days
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# The years parse_day and parse_timestamp take, as the document's patterns say them: a client (or a
# fuzzer) that follows the document never sends a year the server refuses.
if (FIRST_YEAR, LAST_YEAR) != (2000, 2999):
    raise ImportError("api_types' year patterns say 2000-2999: update them with the years' bounds")
YEAR_PATTERN = "2[0-9]{3}"
DAY_PATTERN = r"^%s-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$" % YEAR_PATTERN


def _day(value):
    if isinstance(value, date):
        text = value.isoformat()
    elif isinstance(value, str) and _DAY.fullmatch(value):
        text = value
    else:
        raise ValueError("a date as YYYY-MM-DD is expected, e.g. 2026-11-21")
    try:
        return parse_day(text)
    except EventInputError as error:
        raise ValueError(str(error)) from None


# A calendar day as YYYY-MM-DD, within the years events may take (face_recognition_event.parse_day).
DAY_SCHEMA = {
    "type": "string",
    "format": "date",
    "pattern": DAY_PATTERN,
    "description": "YYYY-MM-DD, years %d to %d" % (FIRST_YEAR, LAST_YEAR),
    "example": "2026-11-21",
}
Day = Annotated[date, PlainValidator(_day), WithJsonSchema(DAY_SCHEMA)]
# A date-time of an answer: ISO 8601 in UTC ("Z"), null when unset.
DateTime = Annotated[
    str | None,
    Field(
        description="ISO 8601, UTC, e.g. 2026-11-21T08:30:00Z", json_schema_extra={"example": "2026-11-21T08:30:00Z"}
    ),
]


# ------------------------------------------------------------------ models
class Query(BaseModel):
    """Query parameters: strings converted to their types; parameters the route does not know are
    ignored (as they always were), those it knows are checked."""

    model_config = ConfigDict(extra="ignore", frozen=True)


class Body(BaseModel):
    """A JSON request body: unknown fields are refused, types are exact (no "1" for 1)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    def given(self):
        """The fields the caller sent (absent ones are not defaults to write)."""
        return self.model_dump(exclude_unset=True)


class Form(BaseModel):
    """A form body (multipart/form-data, or urlencoded): text fields converted to their types as
    query parameters are, files as ``Upload``; unknown fields are refused, an empty field is an
    absent one. A field's alias is its name in the form (``images[]``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def _upload(value):
    # A file part of the form (werkzeug's FileStorage; empty ones never get here): the route reads it.
    if not (hasattr(value, "stream") and hasattr(value, "filename")):
        raise ValueError("a file is expected, not a text field")
    return value


# A file of a multipart body.
Upload = Annotated[
    object, PlainValidator(_upload), WithJsonSchema({"type": "string", "format": "binary", "minLength": 1})
]


class Answer(BaseModel):
    """An answer's shape: in test mode every answer is checked against it, extra fields included."""

    model_config = ConfigDict(extra="forbid", strict=True)


class Paging(Query):
    limit: Annotated[int, Field(ge=1, le=1000)] = 100
    offset: Annotated[int, Field(ge=0, le=10**9)] = 0


class PlanPaging(Query):
    """``page`` (from 1) and ``pageSize`` of the operations frontend's lists."""

    page: Annotated[int, Field(ge=1, le=10**6)] = 1
    pageSize: Annotated[int, Field(ge=1, le=200)] = 20  # noqa: N815  # the plan's camelCase

    @property
    def offset(self):
        """The page's first item, counted from 0: as ``Paging.offset``."""
        return (self.page - 1) * self.pageSize


class PageMeta(Answer):
    page: int
    pageSize: int  # noqa: N815
    total: int
    totalPages: int  # noqa: N815


T = TypeVar("T")


class Envelope(Answer, Generic[T]):
    """Every answer of /api/v1: ``{"success": true, "data": ...}``."""

    success: Literal[True]
    data: T


class PlanPage(Answer, Generic[T]):
    """A page of the operations frontend: the items as ``data``, the paging in ``meta``."""

    success: Literal[True]
    data: list[T]
    meta: PageMeta


def page_meta(total, paging):
    return {
        "page": paging.page,
        "pageSize": paging.pageSize,
        "total": total,
        "totalPages": -(-total // paging.pageSize),
    }


def _moment(value):
    if not isinstance(value, str) or len(value) > 40:
        raise ValueError("an ISO 8601 date-time of at most 40 characters is expected")
    try:
        return parse_timestamp(value)
    except (EventInputError, OverflowError) as error:
        raise ValueError(str(error)) from None


# A date-time of a request: ISO 8601, UTC when it has no offset (face_recognition_event.parse_timestamp).
MOMENT_SCHEMA = {
    "type": "string",
    "format": "date-time",
    "maxLength": 40,
    "pattern": "^%s-" % YEAR_PATTERN,
    "description": "ISO 8601, years %d to %d; UTC when it has no offset" % (FIRST_YEAR, LAST_YEAR),
    "example": "2026-11-21T08:30:00Z",
}
Moment = Annotated[datetime, PlainValidator(_moment), WithJsonSchema(MOMENT_SCHEMA)]
# A bound of a period: a day (from its start, or to its end) or a date-time.
WHEN_SCHEMA = {"anyOf": [DAY_SCHEMA, MOMENT_SCHEMA], "description": "A date (YYYY-MM-DD) or an ISO 8601 date-time"}


# ------------------------------------------------------------------ flags and images
def _flag(value):
    if isinstance(value, bool):
        return value
    text = value.lower() if isinstance(value, str) else None
    if text in ("true", "1"):
        return True
    if text in ("false", "0"):
        return False
    raise ValueError("true or false is expected (or 1 / 0)")


# A true/false query parameter: true, false, 1 or 0, any case (as api_common.bool_param reads them).
Flag = Annotated[bool, PlainValidator(_flag), WithJsonSchema({"type": "boolean"})]


def _image(value):
    if not isinstance(value, str) or not value:
        raise ValueError("a base64 string or a data URL is expected")
    if value.startswith("data:"):
        header, _sep, value = value.partition(",")
        if ";base64" not in header:
            raise ValueError("a data URL image must be base64-encoded")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("not valid base64") from None


# An image in a JSON body, decoded: base64 or a data URL (data:image/jpeg;base64,...).
ImageData = Annotated[
    bytes,
    PlainValidator(_image),
    WithJsonSchema(
        {
            "type": "string",
            "minLength": 4,
            # What base64.b64decode(validate=True) reads: groups of 4, padded.
            "pattern": r"^(data:[^,;]*;base64,)?([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$",
            "description": "Base64 or a data URL (data:image/jpeg;base64,...)",
        }
    ),
]
# An e-mail address as hr.employee takes it (it has an @); empty or null: none.
# (A form's, which has no null: ``Email``; a JSON body's: ``Email | None``.)
Email = Annotated[str, Field(max_length=256, pattern="^$|@", description="An e-mail address")]
