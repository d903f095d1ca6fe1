"""Task forms edited in a draft: checking a JSON Schema, and versioning forms by content.

A form that differs from the file of the same name in forms/ is written under a new name
carrying its hash (`medical_transfer.contact_letter.3f2a9c1b2d.json`) and the draft's diagram
is pointed at it. A file in forms/ is never overwritten with different content, so the task
rows and diagrams of running cases keep the schema they started with.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from lxml import etree

from app.features.modeling import bpmn_diff
from app.kernel.errors import Conflict, FieldError

FORM_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,150}\.json$")
HASHED_FORM = re.compile(r"^(?P<stem>.+)\.[0-9a-f]{10}\.json$")
MAX_FORM = 200_000
_FORM_PROPERTY = f".//spiffworkflow:property[@name='{bpmn_diff.FORM_PROPERTY}']"


def check_form(name: str, schema: Any) -> list[FieldError]:
    """A form file name and its JSON Schema (as text or parsed); errors name the form."""
    where = f"forms/{name}"
    if not FORM_NAME.match(name or ""):
        return [
            FieldError(where, "表单文件名只能包含字母、数字、下划线、点和连字符，并以 .json 结尾")
        ]
    if isinstance(schema, str):
        if len(schema) > MAX_FORM:
            return [FieldError(where, "表单内容过大")]
        try:
            schema = json.loads(schema)
        except ValueError as exc:
            line = getattr(exc, "lineno", 0)
            col = getattr(exc, "colno", 0)
            return [FieldError(where, f"不是合法的 JSON（第 {line} 行第 {col} 列）：{exc}")]
    if not isinstance(schema, dict):
        return [FieldError(where, "表单必须是 JSON 对象（JSON Schema）")]
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        path = "/".join(str(p) for p in exc.absolute_path) or "（根）"
        return [FieldError(where, f"JSON Schema 不合法（{path}）：{exc.message}")]
    if schema.get("type") != "object":
        return [FieldError(where, "表单的顶层 type 必须是 object（每个字段一个属性）")]
    return []


def parse_forms(forms: dict[str, Any]) -> tuple[dict[str, Any], list[FieldError]]:
    """The forms as parsed schemas, and every error found in them."""
    parsed: dict[str, Any] = {}
    errors: list[FieldError] = []
    for name, schema in forms.items():
        found = check_form(name, schema)
        if found:
            errors.extend(found)
        else:
            parsed[name] = json.loads(schema) if isinstance(schema, str) else schema
    return parsed, errors


@dataclass(frozen=True)
class VersionedForms:
    xml: str  # the diagram pointing at the new names
    renames: dict[str, str]  # edited name -> name written to forms/
    files: dict[str, bytes]  # file name -> content to write


def version_forms(forms_dir: Path, xml: str, forms: dict[str, Any]) -> VersionedForms:
    """Which edited forms need a new file name, and the diagram pointing at them."""
    renames: dict[str, str] = {}
    files: dict[str, bytes] = {}
    for name, schema in forms.items():
        content = (json.dumps(schema, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
        current = forms_dir / name
        if current.exists():
            try:
                unchanged = json.loads(current.read_text(encoding="utf-8")) == schema
            except ValueError:
                unchanged = False
            if unchanged:
                continue
            match = HASHED_FORM.match(name)
            stem = match.group("stem") if match else name[: -len(".json")]
            target = f"{stem}.{hashlib.sha256(content).hexdigest()[:10]}.json"
            renames[name] = target
        else:
            target = name  # a new form: nothing running can point at this name yet
        files[target] = content
    return VersionedForms(rename_forms(xml, renames) if renames else xml, renames, files)


def write_forms(forms_dir: Path, files: dict[str, bytes]) -> list[Path]:
    """Write new form files (never overwriting different content); the paths created."""
    written = []
    for name, content in files.items():
        path = forms_dir / name
        if path.exists():
            if path.read_bytes() != content:
                raise Conflict(f"表单文件 {name} 已存在且内容不同，未覆盖")
            continue
        atomic_write(path, content)
        written.append(path)
    return written


def form_users(xml: str) -> dict[str, str]:
    """Form file name -> the (first) user task that uses it, to pin form problems on it."""
    try:
        root = bpmn_diff.parse_xml(xml)
    except bpmn_diff.BpmnDiffError:
        return {}
    users: dict[str, str] = {}
    for prop in root.iterfind(_FORM_PROPERTY, bpmn_diff.NS):
        task = next((a for a in prop.iterancestors() if a.get("id")), None)
        if task is not None:
            users.setdefault(prop.get("value", ""), task.get("id"))
    return users


def rename_forms(xml: str, renames: dict[str, str]) -> str:
    root = bpmn_diff.parse_xml(xml)
    for prop in root.iterfind(_FORM_PROPERTY, bpmn_diff.NS):
        if prop.get("value") in renames:
            prop.set("value", renames[prop.get("value")])
    body: bytes = etree.tostring(root, encoding="UTF-8", xml_declaration=True)
    return body.decode("utf-8")


def atomic_write(path: Path, content: bytes) -> None:
    # Readers (the form catalog, init-db) never see a half-written file.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(content)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
