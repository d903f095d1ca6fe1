"""The workbench's validation problems as JSON and HTML: Chinese, by step name, no file paths."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify

from app.engine.parsing import Problem
from app.features.modeling.deployments import DeploymentRejected
from app.features.modeling.draft_forms import form_users
from app.features.modeling.problem_text import ProblemWording


def wording_for(xml: str) -> ProblemWording:
    return ProblemWording(xml, form_users(xml))


def problem_json(problem: Problem, wording: ProblemWording) -> dict[str, Any]:
    # file and line stay for API clients; what is shown (text) names the step, in Chinese.
    return {
        "file": problem.file,
        "line": problem.line,
        "element_id": problem.element_id,
        "message": problem.message,
        "text": wording.text(problem),
        "detail": wording.detail(problem),
    }


def rejected(exc: DeploymentRejected, wording: ProblemWording) -> tuple[Response, int]:
    body: dict[str, Any] = {"error": exc.code, "message": exc.message}
    body["problems"] = [problem_json(p, wording) for p in exc.problems]
    return jsonify(body), exc.status
