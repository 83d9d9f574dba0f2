"""What ``make test`` asked before the suite, asked by the suite itself (on a pytest-xdist worker,
beside the other tests, instead of two more Django start-ups before them): Django's system checks
pass on the test settings, and the models need no migration that is not written."""

import io

import pytest
from django.core.management import call_command


def test_the_system_checks_pass():
    out = io.StringIO()
    call_command("check", fail_level="ERROR", stdout=out, stderr=out)  # SystemCheckError otherwise
    assert "System check identified no issues" in out.getvalue(), out.getvalue()


@pytest.mark.django_db
def test_the_models_need_no_migration_that_is_not_written():
    out = io.StringIO()
    try:
        call_command("makemigrations", check=True, dry_run=True, stdout=out, stderr=out)
    except SystemExit as exit:
        pytest.fail(f"makemigrations --check exited with {exit.code}:\n{out.getvalue()}")
    assert "No changes detected" in out.getvalue(), out.getvalue()
