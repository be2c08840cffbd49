"""Pages of a workspace's tags (settings): the list with each tag's features (linked to each product's
backlog filtered by the tag), new, edit (conflict panel on a stale version; a rename onto another
tag's name offers the merge), merge (choose the tag to keep, then a confirmation that says how many
features move) and delete (a confirmation that says how many features lose it). Editors change
tags; viewers read the list.

Thin: form → access_tag → service/selector → template."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from pmtool.activity import Actor
from pmtool.errors import ApplicationError
from pmtool.forms import add_service_error
from pmtool.models import Role
from pmtool.pages import WorkspaceRequest, create_page, delete_page, edit_page, without_version
from pmtool.permissions import can_edit_content
from pmtool.versioning import StaleVersion
from pmtool.views import workspace_page

from ..forms.tags import TagForm, TagMergeChoiceForm, TagMergeForm
from ..models import Tag
from ..permissions import access_tag
from ..selectors import tags as selectors
from ..services import tags as services

_EDIT = {"minimum": Role.EDITOR, "what": "change tags"}
_PAGE = {"section": "tags", "nav_active": "settings", "what": "tag"}


def _tags_url(request: WorkspaceRequest) -> str:
    return reverse("backlog:tags", kwargs={"ws": request.workspace.slug})


def _role(request: WorkspaceRequest) -> str | None:
    return getattr(request, "role", None) or getattr(request.workspace, "my_role", None)


def _bound(request: WorkspaceRequest) -> Any:
    return request.POST if request.method == "POST" else None


def _shown(tag: Tag) -> list[tuple[str, object]]:
    return [("Name", tag.name), ("Colour", tag.colour or "default"), ("Description", tag.description)]


@workspace_page()
@require_GET
def tag_list(request: WorkspaceRequest) -> HttpResponse:
    tags = list(selectors.tags_of(request.workspace))
    where = selectors.tag_products(request.workspace)
    context = {
        **_PAGE,
        "rows": [(tag, where.get(tag.pk, [])) for tag in tags],
        "tags": tags,
        "can_edit": can_edit_content(_role(request)),
    }
    return render(request, "backlog/tags/list.html", context)


def _form_page(request: WorkspaceRequest, form: TagForm, *, status: int = 200) -> HttpResponse:
    return render(request, "backlog/tags/form.html", {**_PAGE, "form": form, "tag": None}, status=status)


@workspace_page(**_EDIT)
@require_http_methods(["GET", "POST"])
def tag_create(request: WorkspaceRequest) -> HttpResponse:
    form = without_version(TagForm(_bound(request)))

    def create(data: dict[str, Any]) -> Tag:
        return services.tag_create(actor=Actor.from_request(request), workspace=request.workspace, **data)

    def created(found: Tag) -> HttpResponse:
        messages.success(request, f"Tag “{found.name}” created.")
        return redirect(_tags_url(request))

    return create_page(request, form, create, created, lambda form, **kw: _form_page(request, form, **kw))


@workspace_page(**_EDIT)
@require_http_methods(["GET", "POST"])
def tag_edit(request: WorkspaceRequest, tag_id: int) -> HttpResponse:
    found = access_tag(request.user, tag_id, write=True, workspace=request.workspace).obj
    initial = {"name": found.name, "colour": found.colour, "description": found.description, "version": found.version}
    clash: dict[str, Tag] = {}  # the tag a rename ran into: the page offers the merge

    def save(data: dict[str, Any]) -> Tag:
        try:
            return services.tag_update(actor=Actor.from_request(request), tag_id=found.pk, **data)
        except services.TagNameTaken as exc:
            clash["tag"] = exc.existing
            raise

    def saved(result: Tag) -> HttpResponse:
        messages.success(request, f"Saved “{result.name}”.")
        return redirect(_tags_url(request))

    return edit_page(
        request,
        form=TagForm(_bound(request), initial=initial),
        template="backlog/tags/form.html",
        context={**_PAGE, "tag": found, "clash": clash},
        save=save,
        saved=saved,
        shown=_shown,
    )


def _merge_confirmation(
    request: WorkspaceRequest, source: Tag, target: Tag, *, form: TagMergeForm | None = None, status: int = 200,
    conflict: bool = False,
) -> HttpResponse:  # fmt: skip
    initial = {"into": target.pk, "into_version": target.version, "version": source.version}
    context = {
        **_PAGE,
        "tag": source,
        "target": target,
        "counts": selectors.merge_counts(source, target),
        "form": form or TagMergeForm(initial=initial),
        "conflict": conflict,
        "cancel_url": _tags_url(request),
    }
    return render(request, "backlog/tags/merge_confirm.html", context, status=status)


def _merge_post(request: WorkspaceRequest, source: Tag) -> HttpResponse:
    form = TagMergeForm(request.POST)
    if not form.is_valid():
        return redirect(reverse("backlog:tag_merge", kwargs={"ws": request.workspace.slug, "tag_id": source.pk}))
    data = form.cleaned_data
    target = access_tag(request.user, data["into"], write=True, workspace=request.workspace).obj
    try:
        merged = services.tag_merge(
            actor=Actor.from_request(request), tag_id=source.pk, version=data["version"],
            into_id=target.pk, into_version=data["into_version"],
        )  # fmt: skip
    except StaleVersion:
        # Either tag changed since the confirmation was drawn: draw it again from the tags as they are.
        source.refresh_from_db()
        target.refresh_from_db()
        return _merge_confirmation(request, source, target, status=409, conflict=True)
    except ApplicationError as exc:
        add_service_error(form, exc)
        return _merge_confirmation(request, source, target, form=form, status=exc.status_code)
    messages.success(request, f"Merged “{source.name}” into “{merged.name}”.")
    return redirect(f"{_tags_url(request)}#tag-{merged.pk}")


@workspace_page(**_EDIT)
@require_http_methods(["GET", "POST"])
def tag_merge(request: WorkspaceRequest, tag_id: int) -> HttpResponse:
    """GET: choose the tag to merge into; GET ?into=<id>: the confirmation; POST: the merge."""
    source = selectors.tag_detail(access_tag(request.user, tag_id, write=True, workspace=request.workspace).obj)
    if request.method == "POST":
        return _merge_post(request, source)
    others = [t for t in selectors.tags_of(request.workspace) if t.pk != source.pk]
    targets = [(t.pk, f"{t.name} ({getattr(t, 'feature_count', 0)})") for t in others]
    choice = TagMergeChoiceForm(request.GET if "into" in request.GET else None, targets=targets)
    if choice.is_bound and choice.is_valid():
        target = next(t for t in others if t.pk == choice.cleaned_data["into"])
        return _merge_confirmation(request, source, target)
    context = {**_PAGE, "tag": source, "form": choice, "others": others, "cancel_url": _tags_url(request)}
    return render(request, "backlog/tags/merge_choose.html", context, status=400 if choice.is_bound else 200)


@workspace_page(**_EDIT)
@require_http_methods(["GET", "POST"])
def tag_delete(request: WorkspaceRequest, tag_id: int) -> HttpResponse:
    found = access_tag(request.user, tag_id, write=True, workspace=request.workspace).obj
    url = _tags_url(request)
    count = selectors.tag_feature_total(found)

    def deleted() -> HttpResponse:
        messages.success(request, f"Tag “{found.name}” deleted.")
        return redirect(url)

    features = f"{count} feature{'' if count == 1 else 's'}"
    return delete_page(
        request,
        obj=found,
        delete=lambda version: services.tag_delete(actor=Actor.from_request(request), tag_id=found.pk, version=version),
        deleted=deleted,
        context={
            **_PAGE,
            "cancel_url": url,
            "consequence": f"from its {features} (the features stay)" if count else "(no feature has it)",
        },
    )
