from django import forms
from django.utils.translation import gettext_lazy as _
from PIL import Image

from accounts.forms import IMAGE_ACCEPT
from accounts.imaging import ImageRejected
from photos.models import ALT_TEXT_MAX_LENGTH, CAPTION_MAX_LENGTH
from photos.renditions import decode_upload


class PhotoTextForm(forms.Form):
    caption = forms.CharField(
        label=_("Caption"),
        max_length=CAPTION_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    alt_text = forms.CharField(
        label=_("Alt text"),
        max_length=ALT_TEXT_MAX_LENGTH,
        help_text=_(
            "Describe the photo for people who can't see it: who or what is in it, "
            "and what is happening."
        ),
        widget=forms.TextInput(
            attrs={"placeholder": _("e.g. Two friends laughing on a beach at sunset")}
        ),
        error_messages={
            "required": _(
                "Add a short description of the photo for people who use screen readers, "
                "e.g. “A red bicycle leaning against a blue door”."
            )
        },
    )


class PhotoUploadForm(PhotoTextForm):
    image = forms.FileField(
        label=_("Photo"),
        widget=forms.FileInput(attrs={"accept": IMAGE_ACCEPT}),
        help_text=_("JPEG, PNG, WebP or GIF (first frame), up to 20 MB and 40 megapixels."),
    )
    field_order = ["image", "caption", "alt_text"]

    def clean_image(self) -> Image.Image:
        try:
            return decode_upload(self.cleaned_data["image"])
        except ImageRejected as error:
            raise forms.ValidationError(str(error), code="invalid_image") from error
