from tests.harness.queries import api, measure, ok, page  # noqa: F401 - moved; the lead removes this after merging
