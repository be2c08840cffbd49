from django import template

register = template.Library()


@register.filter
def words(value: str) -> str:
    """'member_added' → 'member added'."""
    return str(value).replace("_", " ")
