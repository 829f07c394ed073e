import Foundation
import Platform
import ServerSupport

/// The shapes of the API's answers, by the names `answers` uses. Written from the routes' view types:
/// a field whose name ends in `?` may be absent (the encoders leave out what is not set), every other
/// field is always there, and no other field appears.
extension APIDocument {
    static let text = string()
    static let uuid = string(["format": "uuid"])
    static let timestamp = string(["format": "date-time"])
    static let integer: JSONValue = .object(["type": "integer"])
    static let number: JSONValue = .object(["type": "number"])
    static let boolean: JSONValue = .object(["type": "boolean"])
    /// Any JSON value: job arguments and results, tool answers, a webhook event's data.
    static let anything: JSONValue = .object([:])
    static let anyObject: JSONValue = .object(["type": "object"])

    static func fields(_ properties: [String: JSONValue]) -> JSONValue {
        var named: [String: JSONValue] = [:]
        var required: [String] = []
        for (name, schema) in properties {
            if name.hasSuffix("?") {
                named[String(name.dropLast())] = schema
            } else {
                named[name] = schema
                required.append(name)
            }
        }
        return .object(["type": "object", "properties": .object(named), "required": .array(required.sorted().map { .string($0) }),
                        "additionalProperties": .bool(false)])
    }

    static func list(_ items: JSONValue) -> JSONValue { .object(["type": "array", "items": items]) }
    /// An object whose keys are data (queue names, states, categories), each with a value of one shape.
    static func map(_ values: JSONValue) -> JSONValue { .object(["type": "object", "additionalProperties": values]) }
    static func oneOf(_ values: [String]) -> JSONValue { string(["enum": .array(values.map { .string($0) })]) }
    /// A page of a list, newest first; `next_cursor` is there while more follow.
    static func page(_ item: String) -> JSONValue { fields(["items": list(ref(item)), "next_cursor?": text]) }

    static let roles = oneOf(WorkspaceRole.allCases.map(\.rawValue))
    static let jobStates = oneOf(["available", "running", "completed", "discarded", "cancelled"])
    static let percentiles = ref("Percentiles")
    static let period = ref("Period")
    static let reasons = list(ref("FailureReason"))

    static let responseSchemas: [String: JSONValue] = [
        "OpenAPIDocument": .object(["type": "object", "required": ["openapi", "info", "paths"]]),
        "Percentiles": fields(["average": number, "p50": number, "p90": number, "p95": number]),
        "Period": fields(["from": timestamp, "to": timestamp, "interval": text, "time_zone": text]),
        "FailureReason": fields(["reason": text, "count": integer]),
        "Health": fields(["status": oneOf(["ok", "degraded", "unavailable"]), "database": text, "redis": text]),
        "Accepted": fields(["status": text, "message": text]),
        "User": fields(["id": uuid, "email": text, "first_name": text, "last_name": text, "created_at": timestamp]),
        "TokenPair": fields(["access_token": text, "refresh_token": text, "token_type": oneOf(["bearer"]), "expires_in": integer,
                             "user": ref("User")]),
        "PersonalDataRequest": fields([
            "id": uuid, "kind": oneOf(["export", "deletion"]), "state": text, "size_bytes?": integer, "expires_at?": timestamp,
            "error?": text, "job_id?": integer, "created_at": timestamp, "completed_at?": timestamp,
        ]),
        "Workspace": fields(["id": uuid, "name": text, "description": text, "role?": roles, "created_at": timestamp, "updated_at": timestamp]),
        "WorkspaceList": list(ref("Workspace")),
        "AuditEntry": fields([
            "id": integer, "action": text, "resource_type": text, "resource_id?": text, "actor_user_id?": uuid, "actor_key_id?": uuid,
            "ip?": text, "details": anything, "created_at": timestamp,
        ]),
        "AuditPage": page("AuditEntry"),
        "Member": fields(["user_id": uuid, "email": text, "first_name": text, "last_name": text, "role": roles, "joined_at": timestamp]),
        "Invite": fields(["id": uuid, "workspace_id": uuid, "email": text, "role": roles, "expires_at": timestamp, "created_at": timestamp,
                          "token?": text]),
        "MemberList": fields(["members": list(ref("Member")), "invites": list(ref("Invite"))]),
        "APIKey": fields(["id": uuid, "name": text, "prefix": text, "scopes": list(text), "created_at": timestamp, "last_used_at?": timestamp,
                          "revoked_at?": timestamp, "key?": text]),
        "APIKeyList": list(ref("APIKey")),
        "Enqueued": fields(["id": integer, "duplicate": boolean, "state": text]),
        "Job": fields([
            "id": integer, "kind": text, "queue": text, "state": jobStates, "args": anything, "priority": integer, "attempt": integer,
            "max_attempts": integer, "run_at": timestamp, "created_at": timestamp, "attempted_at?": timestamp, "finished_at?": timestamp,
            "tags": list(text), "errors": anything, "result?": anything, "progress?": integer, "progress_message?": text,
            "cancel_requested": boolean, "trace_id?": string(["pattern": "^[0-9a-f]{32}$"]), "workspace_id?": text,
        ]),
        "JobPage": page("Job"),
        "RetriedJobs": fields(["kind": text, "retried": integer]),
        "BulkResult": fields(["count": integer, "running": integer, "more": boolean]),
        "ActivityMinute": fields(["minute": timestamp, "completed": integer, "discarded": integer, "cancelled": integer,
                                  "average_duration_seconds": number, "average_wait_seconds": number]),
        "JobActivity": fields(["minutes": list(ref("ActivityMinute"))]),
        "QueueOverview": fields([
            "items": list(fields(["queue": text, "ready": integer, "scheduled": integer, "running": integer,
                                  "oldest_ready_age_seconds": number, "paused": boolean])),
            "activity": list(ref("ActivityMinute")),
        ]),
        "WorkerList": fields(["items": list(fields([
            "id": text, "host": text, "pid": integer, "queues": map(integer), "running": integer, "started_at": timestamp,
            "last_seen_at": timestamp,
        ]))]),
        "Assistant": fields(assistantSettings.merging([
            "id": uuid, "status": oneOf(["draft", "deployed"]), "version": integer, "created_at": timestamp, "updated_at": timestamp,
            "deployed_at?": timestamp,
        ]) { $1 }),
        "AssistantPage": page("Assistant"),
        "AssistantLinks": fields(["data": list(fields(["id": uuid, "name": text, "enabled?": boolean, "status?": text]))]),
        "AssistantVersionList": fields(["data": list(fields([
            "version": integer, "settings": fields(assistantSettings), "tool_ids": list(uuid), "file_ids": list(uuid), "created_at": timestamp,
        ]))]),
        "Turn": fields([
            "sequence": integer, "caller_text?": text, "caller_confidence?": number, "assistant_text": text, "tool_calls": anything,
            "action": text, "outcome": text, "failure_reason?": text, "model?": text, "input_tokens": integer, "output_tokens": integer,
            "first_token_ms?": integer, "latency_ms?": integer, "created_at": timestamp, "interrupted": boolean, "heard_text?": text,
            "transcription_ms?": integer, "first_audio_ms?": integer, "voice_to_voice_ms?": integer,
        ]),
        "Conversation": fields(["id": uuid, "assistant_version?": integer, "greeting": text, "status": text, "turns": list(ref("Turn"))]),
        "ConversationReply": fields(["reply": text, "action": text, "transfer_to?": text, "turn": ref("Turn")]),
        "PhoneNumber": fields([
            "id": uuid, "number": text, "label": text, "provider": text, "provider_sid?": text, "assistant_id?": uuid,
            "provider_status": text, "provider_error?": text, "created_at": timestamp, "updated_at": timestamp,
        ]),
        "PhoneNumberList": list(ref("PhoneNumber")),
        "AvailablePhoneNumbers": fields([
            "data": list(fields(["number": text, "locality?": text, "region?": text, "country?": text])), "price_credits": number,
        ]),
        "CreditAccount": fields(["balance": number, "allowance": number, "warning_thresholds": list(integer), "crossed_threshold?": integer]),
        "LedgerEntry": fields(["id": integer, "kind": text, "credits": number, "balance_after": number, "reference?": text,
                               "description": text, "created_at": timestamp]),
        "LedgerPage": page("LedgerEntry"),
        "AnalyticsSummary": fields([
            "period": period,
            "calls": fields(["total": integer, "outbound": integer, "inbound": integer, "answered": integer, "answer_rate?": number,
                             "seconds": integer, "average_seconds?": number, "cost_credits": number, "by_status": map(integer)]),
            "jobs": fields(["total": integer, "by_state": map(integer)]),
            "credits": fields(["used": number, "granted": number, "refunded": number, "adjusted": number, "balance": number]),
            "emails_sent": integer, "files": fields(["uploaded": integer, "failed": integer]), "transcribed_seconds": number,
            "series": list(fields(["start": timestamp, "calls": integer, "answered": integer, "jobs": integer, "seconds": integer,
                                   "credits_used": number])),
        ]),
        "AnalyticsRealtime": fields([
            "generated_at": timestamp, "live_calls": integer, "live_calls_by_status": map(integer), "balance": number,
            "calls": list(fields(["id": uuid, "status": text, "direction": text, "assistant_id?": uuid, "created_at": timestamp,
                                  "answered_at?": timestamp])),
            "jobs": fields(["ready": integer, "scheduled": integer, "running": integer, "oldest_ready_seconds?": number]),
            "last_five_minutes": fields(["calls_started": integer, "calls_ended": integer, "jobs_completed": integer, "jobs_failed": integer]),
            "last_hour": list(fields(["start": timestamp, "calls_started": integer, "jobs_completed": integer, "jobs_failed": integer])),
        ]),
        "AnalyticsPerformance": fields([
            "period": period,
            "calls": fields(["total": integer, "answered": integer, "completed": integer, "unsuccessful": integer, "answer_rate?": number,
                             "completion_rate?": number, "duration_seconds?": percentiles, "time_to_answer_seconds?": percentiles,
                             "failure_reasons": reasons]),
            "assistants": list(fields([
                "id": uuid, "name": text, "calls": integer, "answered": integer, "completed": integer, "answer_rate?": number,
                "average_seconds?": number,
                "conversations?": fields(["conversations": integer, "turns": integer, "failed_turns": integer, "tool_calls": integer,
                                          "turns_per_conversation?": number, "latency_ms?": percentiles, "failure_reasons": reasons]),
            ])),
            "jobs": list(fields([
                "kind": text, "total": integer, "completed": integer, "discarded": integer, "cancelled": integer, "pending": integer,
                "success_rate?": number, "average_attempts": number, "run_seconds?": percentiles, "wait_seconds?": percentiles,
            ])),
        ]),
        "AnalyticsBilling": fields([
            "period": period, "opening_balance": number, "closing_balance": number, "granted": number, "used": number, "refunded": number,
            "adjusted": number, "usage_by_category": map(number), "balance": number, "allowance": number, "daily_usage": number,
            "days_left?": number,
            "series": list(fields(["start": timestamp, "granted": number, "used": number, "other": number, "closing_balance": number])),
        ]),
        "ToolDetails": fields([
            "id": uuid, "name": text, "description": text, "category": text, "method": text, "url": text, "parameters": anything,
            "auth": fields(["type": text, "settings": map(text), "secret_set": boolean]),
            "timeout_ms": integer, "response": fields(["fields": list(text), "max_bytes": integer]), "enabled": boolean,
            "created_at": timestamp, "updated_at": timestamp,
        ]),
        "ToolPage": page("ToolDetails"),
        "ToolTestResult": fields(["ok": boolean, "outcome": text, "latency_ms?": integer, "truncated": boolean, "status?": integer,
                                  "bytes?": integer, "error?": text, "response?": anything,
                                  "violations?": list(fields(["path": text, "problem": text]))]),
        "ToolInvocation": fields(["job_id": integer, "duplicate": boolean]),
        "ToolUsage": fields([
            "period": period, "calls": integer, "by_outcome": map(integer), "by_source": map(integer), "average_latency_ms?": number,
            "p50_latency_ms?": number, "p95_latency_ms?": number, "average_bytes?": number, "last_called_at?": timestamp,
            "series": list(fields(["start": timestamp, "calls": integer, "failures": integer, "average_latency_ms?": number])),
        ]),
        "WebhookEndpoint": fields([
            "id": uuid, "url": text, "description": text, "events": list(text), "enabled": boolean, "consecutive_failures": integer,
            "disabled_at?": timestamp, "disabled_reason?": text, "created_at": timestamp, "updated_at": timestamp, "secret?": text,
        ]),
        "WebhookList": fields(["items": list(ref("WebhookEndpoint"))]),
        "WebhookEventTypes": fields(["events": list(text)]),
        "QueuedDelivery": fields(["delivery_id": integer, "job_id": integer]),
        "Delivery": fields([
            "id": integer, "event_id": uuid, "event_type": text, "state": oneOf(["pending", "delivered", "failed"]), "attempts": integer,
            "next_attempt_at?": timestamp, "last_status?": integer, "last_error?": text, "delivered_at?": timestamp,
            "redelivery_of?": integer, "job_id?": integer, "created_at": timestamp,
            "payload": fields(["id": uuid, "type": text, "created_at": timestamp, "workspace_id": uuid, "data": anyObject]),
            "log": list(fields(["attempt": integer, "status_code?": integer, "error?": text, "latency_ms?": integer,
                                "response_excerpt?": text, "created_at": timestamp])),
        ]),
        "DeliveryPage": page("Delivery"),
        "ScheduleList": list(fields([
            "name": text, "expression": text, "time_zone": text, "kind": text, "queue?": text, "enabled": boolean, "catch_up": text,
            "source": text, "next_run?": timestamp, "last_run?": timestamp, "last_job_id?": integer, "last_job_state?": text,
        ])),
        "Call": fields([
            "id": uuid, "assistant_id?": uuid, "direction": oneOf(["inbound", "outbound"]), "to": text, "from": text,
            "status": oneOf(CallStatus.allCases.map(\.rawValue)), "status_reason?": text, "provider_call_sid?": text,
            "provider_error_code?": integer, "job_id?": integer, "record": boolean, "recording_url?": text, "duration_seconds?": integer,
            "cost?": number, "created_at": timestamp, "answered_at?": timestamp, "ended_at?": timestamp,
            "transcript?": fields(["text": text, "language?": text, "seconds?": number]),
        ]),
        "CallPage": page("Call"),
        "OutboundCall": fields(["call": ref("Call"), "job_id": integer, "duplicate": boolean]),
        "Transcript": fields([
            "call_id": uuid, "assistant_version?": integer, "status": text, "greeting": text, "turns": list(ref("Turn")),
            "analysis?": fields(["summary": text, "outcome": text, "sentiment": text, "follow_up?": text]),
        ]),
        "File": fields([
            "id": uuid, "assistant_id?": uuid, "name": text, "content_type": text, "format": text, "size_bytes": integer, "sha256": text,
            "status": text, "status_reason?": text, "text?": text, "pages?": integer, "characters?": integer, "truncated": boolean,
            "job_id?": integer, "created_at": timestamp, "processed_at?": timestamp,
        ]),
        "FilePage": page("File"),
        "EmailCampaign": fields([
            "id": uuid, "name": text, "template": text, "state": text, "total": integer, "chunks": integer, "counts?": map(integer),
            "progress?": integer, "job_id?": integer, "created_at": timestamp, "completed_at?": timestamp,
        ]),
        "CampaignPage": page("EmailCampaign"),
        "EmailTemplateList": fields(["items": list(fields(["name": text, "built_in": boolean, "customized": boolean,
                                                           "updated_at?": timestamp]))]),
        "EmailTemplateDetails": fields(["name": text, "source": oneOf(["built-in", "workspace"]), "subject": text, "text": text,
                                        "html": text, "variables": list(text)]),
        "RenderedEmail": fields(["subject": text, "text": text, "html": text]),
    ]

    /// The settings an assistant's draft and each deployed version hold.
    static let assistantSettings: [String: JSONValue] = [
        "name": text, "description": text, "llm_provider": text, "llm_model": text, "system_prompt": text, "first_message": text,
        "temperature": number, "max_tokens": integer, "language": text, "voice_provider": text, "voice_id": text,
        "interruption_sensitivity": number, "silence_timeout_ms": integer, "response_delay_ms": integer, "record_calls": boolean,
        "transfer_number?": text,
    ]
}
