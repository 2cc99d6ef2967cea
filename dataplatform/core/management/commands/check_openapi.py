"""``manage.py check_openapi [--file schema.yaml]``: write the API's OpenAPI schema as /api/v1/schema/ serves
it, failing on any warning of the generator, and validate it with openapi-spec-validator (make lint)."""

import tempfile
from pathlib import Path

import yaml
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError


class Command(BaseCommand):
    help = "Write the OpenAPI schema and validate it with openapi-spec-validator."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--file", help="Keep the schema in this file (YAML).")

    def handle(self, *args, file: str | None = None, **options) -> None:
        with tempfile.TemporaryDirectory() as scratch:
            path = Path(file) if file else Path(scratch) / "schema.yaml"
            # --validate: drf-spectacular's own check; --fail-on-warn: a warning (an unresolvable
            # serializer, a bad override) fails the run as an error does.
            call_command("spectacular", validate=True, fail_on_warn=True, file=str(path))
            schema = yaml.safe_load(path.read_text(encoding="utf-8"))
        try:
            validate(schema)
        except OpenAPIValidationError as exc:
            raise CommandError(f"The OpenAPI schema is not valid: {exc}") from exc
        operations = sum(
            1
            for item in schema["paths"].values()
            for method in item
            if method in {"get", "post", "put", "patch", "delete"}
        )
        self.stdout.write(
            f"OpenAPI {schema['openapi']}: {operations} operations, valid (openapi-spec-validator)."
        )
