"""Forms of the branches app, one module per screen family. Rules live in the models' `clean()`
and in `services/`; forms shape choices to the user's scope and read the answers. The date
widget and the service-error helper are the base's (`alxa_dangjian.core.forms`)."""
