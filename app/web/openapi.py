"""The OpenAPI 3.1 document of the integration API, served at /api/openapi.json (no token).

The request schema of POST /api/applications *is* the validator's schema
(app.rules.application_schema), so the document cannot drift from what the route accepts;
the response schemas are checked against real responses by tests/web/test_api_openapi.py."""

from __future__ import annotations

import copy
from typing import Any

from flask import Blueprint, jsonify

from app.rules.acceptance import MISSING_MATERIAL_CODES, REFUSAL_REASONS
from app.rules.application_schema import APPLICATION_SCHEMA

bp = Blueprint("openapi", __name__)

DATE = {"type": "string", "format": "date"}
INSTANT = {"type": "string", "format": "date-time"}
STRINGS = {"type": "array", "items": {"type": "string"}}
CASE_STATUSES = [
    "running",
    "submitted",
    "correction_required",
    "refused",
    "accepted",
    "in_transfer",
    "in_review",
    "concluded",
    "completed",
]


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _closed(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties) if required is None else required,
        "additionalProperties": False,
    }


def _application_schema() -> dict[str, Any]:
    schema = copy.deepcopy(APPLICATION_SCHEMA)
    schema.pop("$schema", None)  # the document's jsonSchemaDialect says it
    schema.pop("$id", None)  # would re-base references inside the document
    return schema


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


ERROR_RESPONSES = {
    "401": _json(_ref("Error"), "缺少或无效的接口令牌"),
}
NOT_FOUND = {"404": _json(_ref("Error"), "办件不存在")}
# Bodies above MAX_CONTENT_LENGTH (default 1 MiB) are refused before anything reads them.
TOO_LARGE = {"413": _json(_ref("Error"), "请求体超过服务器上限（MAX_CONTENT_LENGTH）")}
CASE_NUMBER_PARAM = {
    "name": "case_number",
    "in": "path",
    "required": True,
    "description": "办件编号：转入地区划代码-年份-序号",
    "schema": {"type": "string", "pattern": "^[0-9]{6}-[0-9]{4}-[0-9]{6}$"},
    "example": "330602-2026-000001",
}

# Rules across fields the schema cannot say; app.rules.application_schema checks them.
CROSS_FIELD_RULES = [
    "unemployment.benefit_months_paid（已领取月数）不得大于 benefit_months_approved（核定领取月数）",
    "status.first_insured_in_zhejiang（首次参保日期）不得晚于当前日期",
]
# app.features.modeling.scenarios.parse_duration's syntax.
DURATION_PATTERN = r"^P(?:[0-9]+D)?(?:T(?:[0-9]+H)?(?:[0-9]+M)?(?:[0-9]+S)?)?$"

# Where a created case leads (OpenAPI links; schemathesis' stateful phase follows them).
CASE_LINKS = {
    name: {
        "operationId": operation,
        "parameters": {"case_number": "$response.body#/case_number"},
        "description": description,
    }
    for name, operation, description in [
        ("GetCase", "getCase", "新建办件的状态"),
        ("GetCaseHistory", "getCaseHistory", "新建办件的审计事件"),
        ("GetCaseDocument", "getCaseDocument", "新建办件的文书"),
    ]
}

COMPONENTS: dict[str, Any] = {
    "securitySchemes": {
        "bearer": {
            "type": "http",
            "scheme": "bearer",
            "description": "`flask --app app api-token create NAME` 打印令牌（最后一行）",
        }
    },
    "schemas": {
        "Application": _application_schema(),
        "FieldError": _closed(
            {
                "field": {
                    "type": "string",
                    "description": "JSON Pointer（RFC 6901），空串表示整个请求体",
                },
                "message": {"type": "string"},
            }
        ),
        "Deadlines": _closed(
            {
                "committed": DATE,
                "legal": DATE,
                "provisional": {
                    "type": "boolean",
                    "description": "期限跨入尚未公布节假日安排的年度，按周末规则暂定",
                },
            }
        ),
        "ApplicationResult": _closed(
            {
                "case_number": {"type": "string"},
                "decision": {"enum": ["accepted", "correction_required", "refused"]},
                "reasons": {"type": "array", "items": {"enum": list(REFUSAL_REASONS)}},
                "missing_materials": {
                    "type": "array",
                    "items": {"enum": list(MISSING_MATERIAL_CODES)},
                },
                "explanation": {**STRINGS, "description": "理由、补正材料及救济途径的中文说明"},
                "deadlines": _ref("Deadlines"),
            },
            required=["case_number", "decision", "reasons", "missing_materials", "explanation"],
        ),
        "InvalidApplication": _closed(
            {
                "decision": {"const": "refused"},
                "reasons": {"const": ["invalid_application"]},
                "missing_materials": {"type": "array", "maxItems": 0},
                "errors": {"type": "array", "items": _ref("FieldError"), "minItems": 1},
                "message": {"type": "string"},
            }
        ),
        "Error": _closed(
            {
                "error": {"type": "string"},
                "message": {"type": "string"},
                "errors": {"type": "array", "items": _ref("FieldError")},
            },
            required=["error", "message"],
        ),
        "InsuranceStatus": _closed(
            {
                "insurance": {"enum": ["pension", "medical", "unemployment"]},
                "name": {"type": "string"},
                "status": {
                    "enum": [
                        "not_started",
                        "not_handled",
                        "in_progress",
                        "completed",
                        "refused",
                        "ineligible",
                    ]
                },
                "text": {"type": "string", "description": "当前进度的中文说明"},
                "reasons": STRINGS,
                "register_by": {
                    "type": ["string", "null"],
                    "format": "date",
                    "description": "医疗保险：无接收单位的，最迟于此日到新就业地办理登记"
                    "（中止参保后3个月，人社部发〔2009〕191号 第六条）；其他为 null",
                },
            }
        ),
        "Document": _closed(
            {
                "kind": {"type": "string"},
                "title": {"type": "string"},
                "href": {"type": "string", "description": "PDF 下载地址（同样需要令牌）"},
            }
        ),
        "CaseStatus": _closed(
            {
                "case_number": {"type": "string"},
                "status": {"enum": CASE_STATUSES},
                "status_text": {"type": "string"},
                "decision": {"type": "string"},
                "reasons": STRINGS,
                "missing_materials": STRINGS,
                "explanation": STRINGS,
                "applicant": _closed(
                    {"name": {"type": "string"}, "id_number_masked": {"type": "string"}}
                ),
                "channel": {"type": "string"},
                "delivery": {"type": ["string", "null"]},
                "transfer_out_region": {"type": "string"},
                "transfer_out_region_name": {"type": "string"},
                "transfer_in_region": {"type": "string"},
                "transfer_in_region_name": {"type": "string"},
                "insurances": {"type": "array", "items": _ref("InsuranceStatus")},
                "submitted_at": INSTANT,
                "accepted_at": {"type": ["string", "null"], "format": "date-time"},
                "completed_at": {"type": ["string", "null"], "format": "date-time"},
                "delivered_at": {
                    "type": ["string", "null"],
                    "format": "date-time",
                    "description": "送达时间（电子送达即办结时）",
                },
                "deadlines": {"oneOf": [_ref("Deadlines"), {"type": "null"}]},
                "working_days_left": {"type": ["integer", "null"], "minimum": 0},
                "warnings": {
                    "type": "array",
                    "items": _closed({"code": {"type": "string"}, "message": {"type": "string"}}),
                },
                "documents": {"type": "array", "items": _ref("Document")},
            }
        ),
        "HistoryEvent": _closed(
            {
                "seq": {"type": "integer"},
                "kind": {"type": "string", "description": "<主体>_<过去分词>，如 case_created"},
                "at": INSTANT,
                "actor": {"type": "string"},
                "data": {"type": "object"},
            }
        ),
        "CaseHistory": _closed(
            {
                "case_number": {"type": "string"},
                "events": {"type": "array", "items": _ref("HistoryEvent")},
            }
        ),
        "ClockMove": {
            "oneOf": [
                _closed({"now": {**INSTANT, "description": "带时区偏移的时刻，只能向前"}}),
                _closed(
                    {
                        "advance": {
                            "type": "string",
                            "pattern": DURATION_PATTERN,
                            "description": "ISO-8601 时长（天、时、分、秒），如 P3D、PT2H、P1DT30M",
                        }
                    }
                ),
            ]
        },
        "ClockState": _closed(
            {
                "now": INSTANT,
                "local": {**INSTANT, "description": "北京时间"},
                "fired": {"type": "integer", "description": "在新时刻触发的定时器数"},
            },
            required=["now", "local"],
        ),
    },
}

PATHS: dict[str, Any] = {
    "/api/applications": {
        "post": {
            "operationId": "submitApplication",
            "summary": "提交一件事联办申请表，立即得到受理决定",
            "description": "请求体须符合 Application 模式，另有模式表达不了的跨字段规则："
            + "；".join(CROSS_FIELD_RULES)
            + "。违反任何一条都答 422（字段错误），不建办件。",
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": _ref("Application")}},
            },
            "responses": {
                "201": {
                    **_json(_ref("ApplicationResult"), "已建办件：予以受理、一次性告知或不予受理"),
                    "headers": {"Location": {"schema": {"type": "string"}}},
                    "links": CASE_LINKS,
                },
                "422": _json(
                    _ref("InvalidApplication"),
                    "请求体不是联办申请表，或违反跨字段规则（未建办件）",
                ),
                **TOO_LARGE,
                **ERROR_RESPONSES,
            },
        }
    },
    "/api/cases/{case_number}": {
        "get": {
            "operationId": "getCase",
            "summary": "办件及各险种的办理状态、期限、预警和可下载文书",
            "parameters": [CASE_NUMBER_PARAM],
            "responses": {
                "200": _json(_ref("CaseStatus"), "办件状态"),
                **NOT_FOUND,
                **ERROR_RESPONSES,
            },
        }
    },
    "/api/cases/{case_number}/history": {
        "get": {
            "operationId": "getCaseHistory",
            "summary": "办件的审计事件（按发生顺序；身份证号码已脱敏）",
            "parameters": [CASE_NUMBER_PARAM],
            "responses": {
                "200": _json(_ref("CaseHistory"), "审计事件"),
                **NOT_FOUND,
                **ERROR_RESPONSES,
            },
        }
    },
    "/api/cases/{case_number}/documents/{kind}.pdf": {
        "get": {
            "operationId": "getCaseDocument",
            "summary": "下载申请人文书（电子送达）",
            "parameters": [
                CASE_NUMBER_PARAM,
                {
                    "name": "kind",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "string"},
                    "example": "insurance_certificate",
                },
            ],
            "responses": {
                "200": {
                    "description": "PDF 文书",
                    "content": {
                        "application/pdf": {
                            "schema": {"type": "string", "contentMediaType": "application/pdf"}
                        }
                    },
                },
                "404": _json(_ref("Error"), "办件不存在，或没有这份文书"),
                **ERROR_RESPONSES,
            },
        }
    },
    "/api/simulation/clock": {
        "get": {
            "operationId": "getSimulationClock",
            "summary": "模拟时钟的当前时刻（仅模拟模式）",
            "responses": {
                "200": _json(_ref("ClockState"), "当前时刻"),
                "404": _json(_ref("Error"), "未以模拟模式运行"),
                **ERROR_RESPONSES,
            },
        },
        "post": {
            "operationId": "moveSimulationClock",
            "summary": "拨动模拟时钟并触发所有到期的定时器（仅模拟模式）",
            "description": "模拟时钟只能向前拨动：now 早于当前模拟时刻、或一次拨动超过 3660 天"
            "（now 或 advance），答 422。",
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": _ref("ClockMove")}},
            },
            "responses": {
                "200": _json(_ref("ClockState"), "拨动后的时刻"),
                "404": _json(_ref("Error"), "未以模拟模式运行"),
                "422": _json(_ref("Error"), "参数有误，或时刻早于当前模拟时刻、超出 3660 天"),
                **TOO_LARGE,
                **ERROR_RESPONSES,
            },
        },
    },
}

DOCUMENT: dict[str, Any] = {
    "openapi": "3.1.0",
    "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
    "info": {
        "title": "社会保险关系转移接续一件事联办 接口",
        "version": "1.0.0",
        "description": "供省政务服务网等集成方提交申请、查询办件进度。除本文档外，所有接口需要 Bearer 令牌。",
    },
    "security": [{"bearer": []}],
    "paths": PATHS,
    "components": COMPONENTS,
}


@bp.get("/api/openapi.json")
def openapi_document() -> Any:
    return jsonify(DOCUMENT)
