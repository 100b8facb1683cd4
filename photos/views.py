from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect

from config.ratelimit import limit_image_uploads
from photos import selectors, services
from photos.forms import PhotoTextForm, PhotoUploadForm
from photos.models import Photo


@login_required
@vary_on_headers("HX-Request")
@limit_image_uploads
def photo_upload(request: HttpRequest) -> HttpResponse:
    form = PhotoUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        photo = services.photo_create(owner=request.user, **form.cleaned_data)
        messages.success(request, _("Your photo is posted."))
        if request.htmx:
            return HttpResponseClientRedirect(photo.get_absolute_url())
        return redirect(photo)
    template = "photos/upload.html#upload_form" if request.htmx else "photos/upload.html"
    return render(request, template, {"form": form})


def _own_photo(request: HttpRequest, photo_id: int) -> Photo:
    photo = selectors.photo_for_page(photo_id, request.user)
    if photo.owner_id != request.user.pk:
        raise PermissionDenied
    return photo


@login_required
def photo_edit(request: HttpRequest, photo_id: int) -> HttpResponse:
    photo = _own_photo(request, photo_id)
    initial = {"caption": photo.caption, "alt_text": photo.alt_text}
    form = PhotoTextForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.photo_update(photo=photo, **form.cleaned_data)
        messages.success(request, _("Your changes are saved."))
        return redirect(photo)
    return render(request, "photos/edit.html", {"photo": photo, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def photo_delete(request: HttpRequest, photo_id: int) -> HttpResponse:
    photo = _own_photo(request, photo_id)
    if request.method == "POST":
        services.photo_delete(photo=photo)
        messages.success(request, _("Your photo is deleted."))
        return redirect(request.user)
    return render(request, "photos/delete.html", {"photo": photo})
