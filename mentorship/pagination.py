from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination as BasePageNumberPagination


def whole_number(text: str) -> int | None:
    """ASCII digits only: ``str.isdigit`` also accepts superscripts that ``int`` refuses."""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else None


class PageNumberPagination(BasePageNumberPagination):
    """``page``/``page_size`` pagination; a page or page size that is not one whole number in range is a 400."""

    page_size_query_param = "page_size"
    max_page_size = 500

    def _whole_number_parameter(self, request, name: str, *, most: int | None = None) -> int | None:
        values = request.query_params.getlist(name)
        if not values:
            return None
        number = whole_number(values[0]) if len(values) == 1 else None
        if number is None or number < 1 or (most is not None and number > most):
            if most is None:
                message = _("Give one whole number from 1 up.")
            else:
                message = _("Give a whole number from 1 to %(most)d.") % {"most": most}
            raise ValidationError({name: [message]})
        return number

    def get_page_size(self, request):
        size = self._whole_number_parameter(request, self.page_size_query_param, most=self.max_page_size)
        return self.page_size if size is None else size

    def get_page_number(self, request, paginator):
        number = self._whole_number_parameter(request, self.page_query_param)
        return 1 if number is None else number

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] |= {"minimum": 1, "maximum": self.max_page_size}
            if parameter["name"] == self.page_query_param:
                parameter["schema"] |= {"minimum": 1}
        return parameters
