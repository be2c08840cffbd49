from django.urls import register_converter


class IdConverter:
    """A positive integer id that fits a bigint: 1–18 digits (longer is a 404, not a 500)."""

    regex = "[1-9][0-9]{0,17}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(IdConverter, "id")
