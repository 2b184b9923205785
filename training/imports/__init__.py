"""The training app's Excel imports (alxa_dangjian.ledgers.imports): sign-in sheets and
学习强国 scores, with the matching of people by name and ID number they share (`people`).
Importing this package registers them."""

from . import sign_ins, xuexi  # noqa: F401
