"""The SMS settings read from the environment, and the operator's documentation of them."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from deliberation.sms import TEMPLATES

ROOT = Path(__file__).resolve().parents[3]
DOCS = (ROOT / "docs" / "sms.md").read_text(encoding="utf-8")


def settings_from(environment: dict[str, str]) -> dict:
    """cms.settings.base as a fresh process reads it with ``environment``: the module runs once
    per process, so the parsing cannot be observed from inside this one."""
    code = (
        "import json, cms.settings.base as s; "
        "print(json.dumps({k: getattr(s, k) for k in dir(s) if k.startswith('SMS_')}))"
    )
    env = {key: value for key, value in os.environ.items() if not key.startswith("SMS_")}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**env, **environment},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def test_template_ids_come_from_one_variable_per_template():
    values = settings_from(
        {
            "SMS_BACKEND": "deliberation.sms.backends.aliyun.SmsBackend",
            "SMS_TEMPLATE_MEETING_INVITATION": " SMS_465000003 ",
            "SMS_TEMPLATE_VERIFICATION_CODE": "SMS_465000001",
            "SMS_TEMPLATE_REMINDER": "",
            "SMS_READ_TIMEOUT": "4",
        }
    )

    assert values["SMS_BACKEND"] == "deliberation.sms.backends.aliyun.SmsBackend"
    assert values["SMS_TEMPLATE_CODES"] == {
        "meeting_invitation": "SMS_465000003",
        "verification_code": "SMS_465000001",
    }
    assert values["SMS_READ_TIMEOUT"] == 4.0


def test_nothing_set_means_the_console_and_no_keys():
    values = settings_from({})

    assert values["SMS_BACKEND"] == "deliberation.sms.backends.console.SmsBackend"
    assert values["SMS_TEMPLATE_CODES"] == {}
    assert values["SMS_ALIYUN_ACCESS_KEY_ID"] == values["SMS_TENCENT_SECRET_KEY"] == ""


def test_every_setting_is_documented():
    names = settings_from({}).keys() - {"SMS_TEMPLATE_CODES"}

    assert sorted(name for name in names if f"`{name}`" not in DOCS) == []
    assert all(f"`SMS_TEMPLATE_{key.upper()}`" in DOCS for key in TEMPLATES)


@pytest.mark.parametrize("template", TEMPLATES.values(), ids=lambda template: template.key)
def test_the_docs_give_the_text_to_register_exactly(template):
    tencent_text = template.zh_hans
    for position, name in enumerate(template.param_names, start=1):
        tencent_text = tencent_text.replace(f"${{{name}}}", f"{{{position}}}")

    assert f"| `{template.key}` |" in DOCS
    assert f"| {template.zh_hans} |" in DOCS
    assert f"| {tencent_text} |" in DOCS
