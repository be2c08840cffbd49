"""The API side of the versioned-object protocol (pmtool.versioning), for every app.

Owns: the shared OpenAPI pieces (the If-Match header parameter, the `version` field and its help
text, VersionSerializer for deletes, PageFilterSerializer for cursor pages), the strong ETag, the
versioned response (JSON body + `ETag: "<version>"`), and the one write-with-version path: the
version comes from the body `version` or the If-Match header (required for updates and deletes),
the service runs, and its StaleVersion becomes 409 (body version) or 412 (If-Match) with the
current version in the error body and the ETag header. API views call versioned_write (update) and
versioned_delete with the service bound to its target (functools.partial).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any, ClassVar, Final, TypeVar

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from ..activity import Actor
from ..errors import PreconditionFailed, ValidationError
from ..models import Product, Role, Workspace
from ..permissions import Access, AnyUser, access_workspace, product_access
from ..versioning import StaleVersion
from .base import ApiView
from .errors import error_body
from .serializers import MAX_ID, StrictSerializer, validated

T = TypeVar("T")

VERSION_HELP: Final = (
    "The version you read. Required unless an If-Match header carries it; a stale version answers 409 "
    "(412 for If-Match)."
)
IF_MATCH: Final = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description='The version you read, as its strong ETag, e.g. "3" (a weak W/"3" never matches: 412).',
)
# The strong tag "3"; the bare 3 is read too, as the schema's If-Match pattern documents (pmtool.api.schema).
_STRONG_TAG = re.compile(r'^\s*"?(\d{1,18})"?\s*$')
_WEAK_TAG = re.compile(r'^\s*W/"(\d{1,18})"\s*$')
_VERSION_REQUIRED: Final = {"version": ["This field is required (or send If-Match)."]}


def version_field(*, min_value: int = 1, **kwargs: Any) -> serializers.IntegerField:
    """The optional body `version` of an update or delete (If-Match may carry it instead)."""
    return serializers.IntegerField(
        min_value=min_value, max_value=MAX_ID, required=False, help_text=VERSION_HELP, **kwargs
    )


class VersionSerializer(StrictSerializer):
    """The body of a delete (or an archive): only the version you read."""

    version = version_field()


class PageFilterSerializer(StrictSerializer):
    """The query of a cursor-paginated list."""

    cursor = serializers.CharField(required=False, max_length=1000)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=200)


def etag(version: int) -> str:
    """The strong entity tag of a version: "3"."""
    return f'"{version}"'


def versioned_response(data: Any, version: int, *, status_code: int = status.HTTP_200_OK) -> Response:
    """A versioned object's JSON with its version as the strong ETag."""
    return Response(data, status=status_code, headers={"ETag": etag(version)})


@dataclass(frozen=True)
class ReadVersion:
    """The version a write is based on, and whether it came from If-Match (stale → 412, else 409)."""

    version: int
    from_if_match: bool


def _if_match(request: Request) -> int | None:
    header = request.headers.get("If-Match")
    if header is None:
        return None
    if _WEAK_TAG.match(header):
        raise PreconditionFailed(
            'A weak entity tag (W/"…") never matches If-Match: send the strong ETag you read, e.g. If-Match: "3".',
            code="weak_etag",
        )
    match = _STRONG_TAG.match(header)
    if match is None:
        raise ValidationError(
            'The If-Match header must carry the version, e.g. If-Match: "3".', code="invalid_if_match"
        )
    return int(match.group(1))


def read_version(request: Request, data: dict[str, Any]) -> ReadVersion:
    """The version of an update or delete, popped from `data` (the validated body) or read from If-Match.

    Neither: 400 naming `version` (concurrent edits must not be lost silently). Both and different:
    400. Malformed If-Match: 400. A weak tag: 412."""
    header = _if_match(request)
    body = data.pop("version", None)
    if header is not None and body is not None and header != body:
        raise ValidationError(
            f"The body version ({body}) and the If-Match version ({header}) differ: send one of them.",
            fields={"version": ["Differs from the If-Match header."]},
        )
    if header is not None:
        return ReadVersion(version=header, from_if_match=True)
    if not isinstance(body, int):
        raise ValidationError(
            "Send the version you edited (a 'version' field or an If-Match header), so concurrent edits are not lost.",
            fields=_VERSION_REQUIRED,
        )
    return ReadVersion(version=body, from_if_match=False)


def stale_response(exc: StaleVersion, *, from_if_match: bool) -> Response:
    """409 (body version) or 412 (If-Match) for a stale version, the current version in
    `fields.version` and in the ETag header."""
    code = status.HTTP_412_PRECONDITION_FAILED if from_if_match else status.HTTP_409_CONFLICT
    fields = {"version": [f"The current version is {exc.current_version}."]}
    return Response(error_body(exc.code, exc.message, fields), status=code, headers={"ETag": etag(exc.current_version)})


def write_with_version(
    request: Request,
    data: dict[str, Any],
    write: Callable[[int], T],
    respond: Callable[[T], Response],
) -> Response:
    """The one write path of a versioned object: read the version (body or If-Match), call
    `write(version)` (the service), answer `respond(result)`; a stale version is 409 or 412."""
    read = read_version(request, data)
    try:
        result = write(read.version)
    except StaleVersion as exc:
        return stale_response(exc, from_if_match=read.from_if_match)
    return respond(result)


def no_content(_: object = None) -> Response:
    """The answer of a delete."""
    return Response(status=status.HTTP_204_NO_CONTENT)


def body_of(data: Mapping[str, Any]) -> dict[str, Any]:
    """A mutable copy of validated data (read_version pops `version` from it)."""
    return dict(data)


def _as_is(data: dict[str, Any]) -> dict[str, Any]:
    return data


def versioned_write(
    request: Request,
    serializer: type[serializers.Serializer[Any]],
    write: Callable[..., T],
    respond: Callable[[T], Response],
    *,
    arguments: Callable[[dict[str, Any]], dict[str, Any]] = _as_is,
) -> Response:
    """An update of a versioned object from an API view: validate the body with `serializer`, then
    write_with_version calling `write(actor=…, version=…, **arguments(fields))` (the service with its
    target bound; `arguments` renames request fields to service arguments) and answering `respond(result)`."""
    data = body_of(validated(serializer, request.data))
    actor = Actor.from_request(request)
    return write_with_version(
        request, data, lambda version: write(actor=actor, version=version, **arguments(data)), respond
    )


def versioned_delete(request: Request, delete: Callable[..., object]) -> Response:
    """A delete of a versioned object from an API view: the body (VersionSerializer) or If-Match
    carries the version, `delete(actor=…, version=…)` runs, 204."""
    return versioned_write(request, VersionSerializer, delete, no_content)


# --- the detail view of a versioned object -------------------------------------------------------


def _as_read(obj: Any) -> Any:
    return obj


def _id_kwarg(what: str) -> str:
    """The URL kwarg (and the services' keyword) of an object's id: "key result" → "key_result_id"."""
    return what.replace(" ", "_") + "_id"


def _article(what: str) -> str:
    return "An" if what[:1] in "aeiou" else "A"


class VersionedDetailView(ApiView):
    # GET / PATCH / DELETE of one versioned object, driven by the class attributes below; the subclass
    # sets them and writes no method. The operations' schema (summaries, serializers, If-Match) is
    # made from the same attributes when the subclass is defined. (Comments, not docstrings:
    # drf-spectacular would show a docstring as every operation's description.)

    what: ClassVar[str]  # "key result": the summaries; the URL kwarg is "key_result_id"
    access: ClassVar[Callable[..., Access[Any]]]  # access_goal(user, id, write=…): fetch and authorise
    output: ClassVar[type[serializers.Serializer[Any]]]  # the answer of GET and PATCH
    update_input: ClassVar[type[serializers.Serializer[Any]]]  # the PATCH body (with version_field())
    update_service: ClassVar[Callable[..., Any]]  # goal_update(actor=…, version=…, <target>, **fields)
    delete_service: ClassVar[Callable[..., object]]  # goal_delete(actor=…, version=…, <target>)
    # The services' keyword for the object: None, "<url kwarg>" given its id; else a name given the object.
    target: ClassVar[str | None] = None
    read: ClassVar[Callable[[Any], Any]] = _as_read  # the selector that reads the answer again (after a write)
    arguments: ClassVar[Callable[[dict[str, Any]], dict[str, Any]]] = _as_is  # request fields → service arguments
    # Summaries (defaults made from `what`) and the PATCH description.
    read_summary: ClassVar[str | None] = None
    update_summary: ClassVar[str | None] = None
    delete_summary: ClassVar[str | None] = None
    update_description: ClassVar[str | None] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        a_what = f"{_article(cls.what).lower()} {cls.what}"
        needs_version = "(editor); needs `version` or If-Match"
        extend_schema_view(
            get=extend_schema(
                responses=cls.output,
                summary=cls.read_summary or f"{_article(cls.what)} {cls.what} (ETag carries its version)",
            ),
            patch=extend_schema(
                request=cls.update_input,
                parameters=[IF_MATCH],
                responses=cls.output,
                summary=cls.update_summary or f"Change {a_what} {needs_version}",
                description=cls.update_description,
            ),
            delete=extend_schema(
                request=VersionSerializer,
                parameters=[IF_MATCH],
                responses={204: None},
                summary=cls.delete_summary or f"Delete {a_what} {needs_version}",
            ),
        )(cls)

    @classmethod
    def respond(cls, obj: Any, *, status_code: int = status.HTTP_200_OK, read: bool = True) -> Response:
        """The object as `read` reads it (or as it is), in `output`, with its version as the ETag."""
        current = cls.read(obj) if read else obj
        return versioned_response(cls.output(current).data, current.version, status_code=status_code)

    @classmethod
    def _bind(cls, service: Callable[..., T], obj: Any) -> Callable[..., T]:
        if cls.target is None:
            return partial(service, **{_id_kwarg(cls.what): obj.pk})
        return partial(service, **{cls.target: obj})

    def _object(self, request: Request, kwargs: dict[str, Any], *, write: bool = False) -> Any:
        cls = type(self)
        return cls.access(request.user, kwargs[_id_kwarg(cls.what)], write=write).obj

    def get(self, request: Request, **kwargs: Any) -> Response:
        return self.respond(self._object(request, kwargs))

    def patch(self, request: Request, **kwargs: Any) -> Response:
        cls = type(self)
        service = cls._bind(cls.update_service, self._object(request, kwargs, write=True))
        return versioned_write(request, cls.update_input, service, cls.respond, arguments=cls.arguments)

    def delete(self, request: Request, **kwargs: Any) -> Response:
        cls = type(self)
        return versioned_delete(request, cls._bind(cls.delete_service, self._object(request, kwargs, write=True)))


# --- the list (and create) view of versioned objects under a workspace or a product ---------------

PAGE_SIZE: Final = OpenApiParameter("page_size", OpenApiTypes.INT, description="1–200, default 50")


def _workspace_parent(user: AnyUser, pk: int, *, write: bool, action: str) -> Workspace:
    if write:
        return access_workspace(user, workspace_id=pk, minimum=Role.EDITOR, what=action)
    return access_workspace(user, workspace_id=pk)


def _product_parent(user: AnyUser, pk: int, *, write: bool, action: str) -> Product:
    if write:
        return product_access(user, pk, write=True, action=action).obj
    return product_access(user, pk).obj


@dataclass(frozen=True)
class Parent:
    """What a list lives under: `name` is its URL kwarg (`<name>_id`) and the create service's
    keyword; `access` fetches and authorises it (write: an editor, else "Only … can <action>.")."""

    name: str
    access: Callable[..., Any]


WORKSPACE: Final = Parent("workspace", _workspace_parent)
PRODUCT: Final = Parent("product", _product_parent)


def _no_filters(_: dict[str, Any]) -> dict[str, Any]:
    return {}


class VersionedListView(ApiView):
    # GET (a cursor page, filtered) and POST (a create, answered by the detail view) of versioned
    # objects under a workspace or a product, driven by the class attributes below; the subclass sets
    # them and writes no method, and the operations' schema is made from the same attributes.

    parent: ClassVar[Parent]  # WORKSPACE or PRODUCT
    plural: ClassVar[str]  # "goals": a viewer is told "Only … can create goals."
    detail: ClassVar[type[VersionedDetailView]]  # answers the create (its respond(), its output)
    output: ClassVar[type[serializers.Serializer[Any]]]  # a list item
    select: ClassVar[Callable[..., QuerySet[Any]]]  # the selector: select(parent, **filter_arguments(query))
    filters: ClassVar[type[serializers.Serializer[Any]]] = PageFilterSerializer  # the query
    filter_arguments: ClassVar[Callable[[dict[str, Any]], dict[str, Any]]] = _no_filters  # query → selector
    parameters: ClassVar[list[OpenApiParameter]] = [PAGE_SIZE]  # the query, documented
    create_input: ClassVar[type[serializers.Serializer[Any]]]
    create_service: ClassVar[Callable[..., Any]]  # goal_create(actor=…, <parent.name>=…, **arguments(body))
    arguments: ClassVar[Callable[[dict[str, Any]], dict[str, Any]]] = _as_is  # body fields → service arguments
    list_summary: ClassVar[str]
    read_created: ClassVar[bool] = True  # False: answer the service's object as it is (no read again)
    create_summary: ClassVar[str | None] = None  # default: "Create a goal (editor)"
    create_description: ClassVar[str | None] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        what = cls.detail.what
        extend_schema_view(
            get=extend_schema(parameters=cls.parameters, responses=cls.output(many=True), summary=cls.list_summary),
            post=extend_schema(
                request=cls.create_input,
                responses={201: cls.detail.output},
                summary=cls.create_summary or f"Create {_article(what).lower()} {what} (editor)",
                description=cls.create_description,
            ),
        )(cls)

    def _parent(self, request: Request, kwargs: dict[str, Any], *, write: bool = False) -> Any:
        cls = type(self)
        pk = kwargs[f"{cls.parent.name}_id"]
        return cls.parent.access(request.user, pk, write=write, action=f"create {cls.plural}")

    def get(self, request: Request, **kwargs: Any) -> Response:
        cls = type(self)
        parent = self._parent(request, kwargs)
        query = validated(cls.filters, request.query_params)
        return self.paginate(cls.select(parent, **cls.filter_arguments(query)), cls.output)

    def post(self, request: Request, **kwargs: Any) -> Response:
        cls = type(self)
        parent = self._parent(request, kwargs, write=True)
        data = validated(cls.create_input, request.data)
        actor = Actor.from_request(request)
        created = cls.create_service(actor=actor, **{cls.parent.name: parent}, **cls.arguments(data))
        return cls.detail.respond(created, status_code=status.HTTP_201_CREATED, read=cls.read_created)
