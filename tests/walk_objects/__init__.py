"""Each app's part of the URL walk (tests/test_url_walk.py), one module per app.

A module may define:

- `MODELS`: the `<model>` prefixes of its URL names that address an organisation's object;
- `objects(*, root, committee_a, branch_a, secretary, member) -> dict[str, object]`:
  for each of those models an object inside committee_a's subtree (the outsiders' target);
- `REFERENCE`: `{model: callable returning an object}` for league-wide rows that no subtree
  owns — anyone signed in may read them, only staff may change them (POST by others: 403);
- `SLUG_VALUES` / `SLUG_WITHOUT_SCOPE`: as in test_url_walk.py, for slug-addressed URLs.
"""

import importlib
import pkgutil


def parts():
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        yield importlib.import_module(f"{__name__}.{info.name}")
