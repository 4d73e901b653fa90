"""python manage.py license_keygen --out vendor-key.pem: a new Ed25519 key pair (vendor side).

Writes the private key to --out (mode 0600, never overwritten) and prints the public key
PEM, which deployments set as SLA_LICENSE_PUBLIC_KEY (also written to <out>.pub)."""

import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from licensing.tokens import generate_keypair


class Command(BaseCommand):
    help = "Generate an Ed25519 key pair for signing licences (vendor side)."

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, help="file for the private key (PEM)")

    def handle(self, *args, out, **options):
        private_path, public_path = Path(out), Path(f"{out}.pub")
        if private_path.exists():
            raise CommandError(f"{private_path} exists: refusing to overwrite a signing key")
        private_pem, public_pem = generate_keypair()
        try:
            descriptor = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                handle.write(private_pem)
            public_path.write_text(public_pem, encoding="utf-8")
        except OSError as error:
            raise CommandError(f"cannot write the key: {error}") from None
        self.stderr.write(
            f"Private key: {private_path} (keep it secret); public key: {public_path}"
        )
        self.stdout.write(public_pem, ending="")
