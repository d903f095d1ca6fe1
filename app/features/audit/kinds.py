"""Chinese names of the audit event kinds (`<subject>_<past_tense_verb>`) for auditors' pages."""

from __future__ import annotations

KIND_LABELS: dict[str, str] = {
    "case_created": "案件创建（申请提交）",
    "case_status_changed": "案件状态变更",
    "case_completed": "案件办结",
    "decision_made": "受理决定",
    "task_created": "生成待办任务",
    "task_claimed": "认领任务",
    "task_released": "释放任务",
    "task_reassigned": "改派任务",
    "task_completed": "办理完成任务",
    "task_closed": "任务关闭（流程已越过）",
    "timer_armed": "开始计时",
    "timer_fired": "时限届满",
    "timer_cancelled": "计时取消",
    "timer_rescheduled": "时限重新计算",
    "message_sent": "发出函件",
    "message_received": "收到函件",
    "case_escalated": "督办预警",
    "document_issued": "出具文书",
    "certificate_reissued": "补办参保(合)凭证",
    "document_delivered": "文书送达",
    "result_delivered": "办理结果送达",
    "rating_submitted": "好差评",
    "notification_sent": "发送通知",
    "applicant_notified": "通知申请人",
    "case_migrated": "案件迁移到新流程版本",
    "case_migration_refused": "案件迁移被拒绝",
    "process_migration_completed": "流程版本迁移完成",
    "process_draft_created": "创建流程草稿",
    "process_draft_saved": "保存流程草稿",
    "process_draft_approved": "批准流程草稿",
    "process_draft_deployed": "部署流程草稿",
    "policy_scenario_saved": "保存测试场景",
    "api_token_created": "创建接口令牌",
    "api_token_revoked": "吊销接口令牌",
    "calendar_override_changed": "工作日历调整",
    "process_version_deployed": "部署流程版本",
    "user_signed_in": "登录",
    "user_signed_out": "退出登录",
    "sign_in_failed": "登录失败",
    "access_denied": "越权访问被拒绝",
    "id_number_revealed": "查看完整证件号码",
    "case_history_exported": "导出办件记录",
    "anchor_recorded": "锚定哈希链",
}


def kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind, kind)
