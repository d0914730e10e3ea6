from django import template

register = template.Library()


@register.filter
def pct(value, digits=1):
    """0.319 → 31.9"""
    try:
        return f"{float(value) * 100:.{int(digits)}f}"
    except (TypeError, ValueError):
        return ""


@register.filter
def hours(value):
    try:
        return f"{float(value):,.1f}"
    except (TypeError, ValueError):
        return ""


@register.filter
def py(value):
    try:
        return f"{float(value):,.2f}"
    except (TypeError, ValueError):
        return ""


@register.filter
def get(mapping, key):
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.simple_tag
def cell(matrix, core, routine, expertise):
    return matrix.get((core, routine, expertise))


@register.filter
def per(value, divisor):
    """hours|per:1950 → 人役"""
    try:
        return float(value) / float(divisor)
    except (TypeError, ValueError, ZeroDivisionError):
        return 0.0
