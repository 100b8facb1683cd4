from django.forms.renderers import TemplatesSetting


class SiteFormRenderer(TemplatesSetting):
    """Wraps every field group in a div the stylesheet can lay out (templates/forms/)."""

    field_template_name = "forms/field.html"
