import Foundation
import Platform
import Providers
import QueueEngine
import ServerSupport

/// The OpenAPI 3.1 description of every route, served at `/openapi.json`. One table of operations,
/// so a test can compare it with the routes the router actually has.
enum APIDocument {
    enum Auth { case none, user, userOrKey }

    struct Operation {
        let method: String
        let path: String
        let tag: String
        let summary: String
        let auth: Auth
        var body: String? = nil
        var success: Int = 200
        var query: [(String, JSONValue)] = []
        var bodyType = "application/json"
        var headers: [(String, JSONValue)] = []
    }

    static let idParameter = JSONValue.object(["type": "string", "format": "uuid"])
    static let pageQuery: [(String, JSONValue)] = [
        ("limit", .object(["type": "integer", "minimum": 1, "maximum": 200])), ("cursor", .object(["type": "string"])),
    ]

    /// The window of an analytics report (`AnalyticsRoutes.period`).
    static let periodQuery: [(String, JSONValue)] = [
        ("period", string(["enum": ["24h", "7d", "30d", "90d", "365d"]])), ("from", string(["format": "date-time"])),
        ("to", string(["format": "date-time"])), ("interval", string(["enum": ["hour", "day", "week", "month"]])),
        ("tz", string(["minLength": 1, "maxLength": 64])),
    ]

    static let operations: [Operation] = [
        Operation(method: "get", path: "/openapi.json", tag: "docs", summary: "This document", auth: .none),
        Operation(method: "get", path: "/docs", tag: "docs", summary: "This document as a page", auth: .none),
        Operation(method: "get", path: "/health", tag: "health", summary: "Database and Redis state", auth: .none),
        Operation(method: "get", path: "/health/live", tag: "health", summary: "The process answers", auth: .none),
        Operation(method: "get", path: "/health/ready", tag: "health", summary: "PostgreSQL answers", auth: .none),
        Operation(method: "get", path: "/metrics", tag: "health", summary: "Prometheus metrics (text format; a bearer METRICS_TOKEN when set)",
                  auth: .none),
        Operation(method: "get", path: "/health/metrics", tag: "health", summary: "The same metrics under the seed's name, the same protection",
                  auth: .none),
        Operation(method: "post", path: "/auth/register", tag: "auth", summary: "Create an account", auth: .none, body: "Register", success: 201),
        Operation(method: "post", path: "/auth/login", tag: "auth", summary: "Sign in", auth: .none, body: "Login"),
        Operation(method: "post", path: "/auth/refresh", tag: "auth", summary: "Rotate the refresh token", auth: .none, body: "RefreshToken"),
        Operation(method: "post", path: "/auth/logout", tag: "auth", summary: "End a refresh-token chain",
                  auth: .none, body: "RefreshToken", success: 204),
        Operation(method: "post", path: "/auth/forgot-password", tag: "auth", summary: "Email a password-reset link",
                  auth: .none, body: "ForgotPassword", success: 202),
        Operation(method: "post", path: "/auth/reset-password", tag: "auth", summary: "Set a new password with a reset token",
                  auth: .none, body: "ResetPassword", success: 204),
        Operation(method: "get", path: "/api/me", tag: "auth", summary: "The signed-in user", auth: .user),
        Operation(method: "get", path: "/unsubscribe", tag: "email", summary: "The unsubscribe page of a campaign email's link (HTML)",
                  auth: .none, query: [("token", string())]),
        Operation(method: "post", path: "/unsubscribe", tag: "email", summary: "Unsubscribe (one-click, RFC 8058)", auth: .none,
                  query: [("token", string())]),
        Operation(method: "post", path: "/api/me/delete", tag: "privacy", summary: "Schedule the deletion of your account and data",
                  auth: .user, body: "Deletion", success: 202),
        Operation(method: "delete", path: "/api/me/delete", tag: "privacy", summary: "Cancel a scheduled deletion", auth: .user, success: 204),
        Operation(method: "post", path: "/api/me/export", tag: "privacy", summary: "Ask for an export of your personal data", auth: .user,
                  success: 202),
        Operation(method: "get", path: "/api/me/exports/{export}", tag: "privacy", summary: "An export's progress", auth: .user),
        Operation(method: "get", path: "/api/me/exports/{export}/download", tag: "privacy", summary: "The export's ZIP (the same user only)",
                  auth: .user),
        Operation(method: "get", path: "/api/workspaces", tag: "workspaces", summary: "The caller's workspaces", auth: .user),
        Operation(method: "post", path: "/api/workspaces", tag: "workspaces", summary: "Create a workspace",
                  auth: .user, body: "WorkspaceChange", success: 201),
        Operation(method: "get", path: "/api/workspaces/{workspace}", tag: "workspaces", summary: "One workspace", auth: .userOrKey),
        Operation(method: "put", path: "/api/workspaces/{workspace}", tag: "workspaces", summary: "Change a workspace",
                  auth: .userOrKey, body: "WorkspaceChange"),
        Operation(method: "delete", path: "/api/workspaces/{workspace}", tag: "workspaces", summary: "Delete a workspace",
                  auth: .userOrKey, success: 204),
        Operation(method: "get", path: "/api/workspaces/{workspace}/audit", tag: "workspaces", summary: "The audit trail",
                  auth: .userOrKey, query: pageQuery),
        Operation(method: "get", path: "/api/workspaces/{workspace}/members", tag: "members", summary: "Members and pending invites",
                  auth: .userOrKey),
        Operation(method: "post", path: "/api/workspaces/{workspace}/members", tag: "members", summary: "Invite a member",
                  auth: .userOrKey, body: "InviteRequest", success: 201),
        Operation(method: "put", path: "/api/workspaces/{workspace}/members/{user}", tag: "members", summary: "Change a member's role",
                  auth: .userOrKey, body: "Role", success: 204),
        Operation(method: "delete", path: "/api/workspaces/{workspace}/members/{user}", tag: "members", summary: "Remove a member (or leave)",
                  auth: .userOrKey, success: 204),
        Operation(method: "delete", path: "/api/workspaces/{workspace}/invites/{invite}", tag: "members", summary: "Revoke an invite",
                  auth: .userOrKey, success: 204),
        Operation(method: "post", path: "/api/invites/accept", tag: "members", summary: "Accept an invite", auth: .user, body: "AcceptInvite"),
        Operation(method: "get", path: "/api/workspaces/{workspace}/api-keys", tag: "api-keys", summary: "The workspace's keys", auth: .userOrKey),
        Operation(method: "post", path: "/api/workspaces/{workspace}/api-keys", tag: "api-keys", summary: "Create a key (shown once)",
                  auth: .userOrKey, body: "NewAPIKey", success: 201),
        Operation(method: "delete", path: "/api/workspaces/{workspace}/api-keys/{key}", tag: "api-keys", summary: "Revoke a key",
                  auth: .userOrKey, success: 204),
        Operation(method: "post", path: "/api/jobs", tag: "jobs", summary: "Enqueue a job", auth: .userOrKey, body: "Enqueue", success: 202,
                  headers: [("Idempotency-Key", string(["minLength": 1, "maxLength": 200]))]),
        Operation(method: "get", path: "/api/jobs", tag: "jobs", summary: "The workspace's jobs, newest first", auth: .userOrKey,
                  query: pageQuery + [("state", .object(["type": "string", "enum": ["available", "running", "completed", "discarded", "cancelled"]])),
                                      ("kind", .object(["type": "string"])), ("queue", .object(["type": "string"])),
                                      ("search", .object(["type": "string", "maxLength": 200]))]),
        Operation(method: "get", path: "/api/jobs/{job}", tag: "jobs", summary: "One job", auth: .userOrKey),
        Operation(method: "post", path: "/api/jobs/{job}/cancel", tag: "jobs", summary: "Cancel a job", auth: .userOrKey),
        Operation(method: "post", path: "/api/jobs/{job}/retry", tag: "jobs", summary: "Run a discarded or cancelled job again", auth: .userOrKey),
        Operation(method: "delete", path: "/api/jobs/{job}", tag: "jobs", summary: "Delete a finished job", auth: .userOrKey, success: 204),
        Operation(method: "post", path: "/api/jobs/retry-discarded", tag: "jobs", summary: "Run every discarded job of a kind again",
                  auth: .userOrKey, body: "RetryDiscarded"),
        Operation(method: "get", path: "/api/jobs/activity", tag: "jobs", summary: "Finished jobs per minute over the last hour",
                  auth: .userOrKey),
        Operation(method: "get", path: "/api/admin/queues", tag: "operators", summary: "Every queue's depth and age, and the last hour's activity",
                  auth: .user),
        Operation(method: "post", path: "/api/admin/queues/{queue}/pause", tag: "operators", summary: "Stop workers claiming from a queue",
                  auth: .user, success: 204),
        Operation(method: "post", path: "/api/admin/queues/{queue}/resume", tag: "operators", summary: "Let workers claim from a queue again",
                  auth: .user, success: 204),
        Operation(method: "get", path: "/api/admin/workers", tag: "operators", summary: "The workers alive now", auth: .user),
        Operation(method: "get", path: "/api/admin/jobs", tag: "operators", summary: "Find jobs across every workspace and queue, newest first",
                  auth: .user, query: pageQuery + [("state", string(["enum": .array(JobState.allCases.map { .string($0.rawValue) })])),
                                                   ("kind", string()), ("queue", string()), ("workspace_id", idParameter),
                                                   ("search", string(["maxLength": 200]))]),
        Operation(method: "post", path: "/api/admin/jobs/cancel", tag: "operators",
                  summary: "Cancel the queued and running jobs a filter matches (at most 10,000 a call)", auth: .user, body: "JobFilter"),
        Operation(method: "post", path: "/api/admin/jobs/retry", tag: "operators",
                  summary: "Run the discarded and cancelled jobs a filter matches again (at most 10,000 a call)", auth: .user, body: "JobFilter"),
        Operation(method: "get", path: "/api/assistants", tag: "assistants", summary: "The workspace's assistants",
                  auth: .userOrKey, query: pageQuery),
        Operation(method: "post", path: "/api/assistants", tag: "assistants", summary: "Create an assistant",
                  auth: .userOrKey, body: "AssistantSettings", success: 201),
        Operation(method: "get", path: "/api/assistants/{assistant}", tag: "assistants", summary: "One assistant", auth: .userOrKey),
        Operation(method: "put", path: "/api/assistants/{assistant}", tag: "assistants", summary: "Change an assistant's settings",
                  auth: .userOrKey, body: "AssistantSettings"),
        Operation(method: "delete", path: "/api/assistants/{assistant}", tag: "assistants", summary: "Delete an assistant",
                  auth: .userOrKey, success: 204),
        Operation(method: "post", path: "/api/assistants/{assistant}/deploy", tag: "assistants", summary: "Make the settings live", auth: .userOrKey),
        Operation(method: "get", path: "/api/assistants/{assistant}/tools", tag: "assistants", summary: "The tools the assistant may call",
                  auth: .userOrKey),
        Operation(method: "put", path: "/api/assistants/{assistant}/tools", tag: "assistants", summary: "Set the tools the assistant may call",
                  auth: .userOrKey, body: "AssistantTools"),
        Operation(method: "get", path: "/api/assistants/{assistant}/files", tag: "assistants", summary: "The documents the assistant knows",
                  auth: .userOrKey),
        Operation(method: "put", path: "/api/assistants/{assistant}/files", tag: "assistants", summary: "Set the documents the assistant knows",
                  auth: .userOrKey, body: "AssistantFiles"),
        Operation(method: "get", path: "/api/assistants/{assistant}/versions", tag: "assistants", summary: "What each deploy froze, newest first",
                  auth: .userOrKey),
        Operation(method: "post", path: "/api/assistants/{assistant}/versions/{version}/rollback", tag: "assistants",
                  summary: "Deploy an earlier version again", auth: .userOrKey),
        Operation(method: "post", path: "/api/assistants/{assistant}/conversations", tag: "assistants",
                  summary: "Start a text conversation with the draft or a deployed version", auth: .userOrKey,
                  body: "ConversationStart", success: 201),
        Operation(method: "get", path: "/api/assistants/{assistant}/conversations/{conversation}", tag: "assistants",
                  summary: "A test conversation and its turns", auth: .userOrKey),
        Operation(method: "post", path: "/api/assistants/{assistant}/conversations/{conversation}/turns", tag: "assistants",
                  summary: "Say something; answers the assistant's reply", auth: .userOrKey, body: "ConversationTurn",
                  headers: [("Idempotency-Key", string(["maxLength": 195]))]),
        Operation(method: "get", path: "/api/phone-numbers", tag: "phone-numbers", summary: "The workspace's numbers", auth: .userOrKey),
        Operation(method: "post", path: "/api/phone-numbers", tag: "phone-numbers", summary: "Register a number",
                  auth: .userOrKey, body: "NewPhoneNumber", success: 201),
        Operation(method: "get", path: "/api/phone-numbers/available", tag: "phone-numbers", summary: "Numbers on offer at Twilio (Owners)",
                  auth: .userOrKey, query: [("country", string(["pattern": "^[A-Za-z]{2}$"])), ("area_code", string(["pattern": "^[0-9]{1,5}$"])),
                                            ("contains", string(["minLength": 1, "maxLength": 10])),
                                            ("limit", .object(["type": "integer", "minimum": 1, "maximum": 100]))]),
        Operation(method: "post", path: "/api/phone-numbers/purchase", tag: "phone-numbers",
                  summary: "Buy a number for the workspace (Owners or platform operators)", auth: .userOrKey,
                  body: "PhoneNumberPurchase", success: 202),
        Operation(method: "get", path: "/api/phone-numbers/{number}", tag: "phone-numbers", summary: "One number", auth: .userOrKey),
        Operation(method: "put", path: "/api/phone-numbers/{number}", tag: "phone-numbers", summary: "Relabel or rebind a number",
                  auth: .userOrKey, body: "PhoneNumberUpdate"),
        Operation(method: "delete", path: "/api/phone-numbers/{number}", tag: "phone-numbers", summary: "Remove a number",
                  auth: .userOrKey, success: 204),
        Operation(method: "get", path: "/api/credits", tag: "credits", summary: "Balance and thresholds", auth: .userOrKey),
        Operation(method: "get", path: "/api/credits/ledger", tag: "credits", summary: "Ledger entries, newest first", auth: .userOrKey,
                  query: [("limit", .object(["type": "integer", "minimum": 1, "maximum": 200])),
                          ("cursor", .object(["type": "string", "pattern": "^[0-9]+$"]))]),
        Operation(method: "put", path: "/api/credits/settings", tag: "credits", summary: "Warning thresholds",
                  auth: .userOrKey, body: "CreditSettings"),
        Operation(method: "post", path: "/api/credits/grants", tag: "credits", summary: "Grant credits (platform operators)",
                  auth: .user, body: "CreditGrant", success: 201),
        Operation(method: "get", path: "/api/analytics/summary", tag: "analytics",
                  summary: "Calls, jobs, credits, emails and files over a period, with a series",
                  auth: .userOrKey, query: periodQuery),
        Operation(method: "get", path: "/api/analytics/realtime", tag: "analytics",
                  summary: "Live calls, waiting and running jobs, the last hour by minute",
                  auth: .userOrKey),
        Operation(method: "get", path: "/api/analytics/performance", tag: "analytics",
                  summary: "Answer and completion rates, duration percentiles, per assistant and per job kind", auth: .userOrKey, query: periodQuery),
        Operation(method: "get", path: "/api/analytics/billing", tag: "analytics",
                  summary: "The credit ledger over a period: balances, usage by category, series",
                  auth: .userOrKey, query: periodQuery),
        Operation(method: "get", path: "/api/tools", tag: "tools", summary: "Custom tools, newest first", auth: .userOrKey,
                  query: pageQuery + [("category", string(["enum": ["api", "webhook", "database", "service"]]))]),
        Operation(method: "post", path: "/api/tools", tag: "tools", summary: "Create a tool", auth: .userOrKey, body: "Tool", success: 201),
        Operation(method: "get", path: "/api/tools/{tool}", tag: "tools", summary: "One tool (secrets are never shown)", auth: .userOrKey),
        Operation(method: "put", path: "/api/tools/{tool}", tag: "tools", summary: "Change the fields named", auth: .userOrKey, body: "ToolUpdate"),
        Operation(method: "delete", path: "/api/tools/{tool}", tag: "tools", summary: "Delete a tool", auth: .userOrKey, success: 204),
        Operation(method: "post", path: "/api/tools/{tool}/test", tag: "tools", summary: "Call the tool now and see what an assistant would get",
                  auth: .userOrKey, body: "ToolArguments"),
        Operation(method: "post", path: "/api/tools/{tool}/invoke", tag: "tools", summary: "Call the tool as a tools.invoke job", auth: .userOrKey,
                  body: "ToolArguments", success: 202, headers: [("Idempotency-Key", string(["minLength": 1, "maxLength": 200]))]),
        Operation(method: "get", path: "/api/tools/{tool}/usage", tag: "tools", summary: "Calls, outcomes and latency over a period",
                  auth: .userOrKey, query: periodQuery),
        Operation(method: "get", path: "/api/webhooks", tag: "webhooks", summary: "The workspace's webhook endpoints", auth: .userOrKey),
        Operation(method: "post", path: "/api/webhooks", tag: "webhooks", summary: "Register an endpoint (its signing secret is shown once)",
                  auth: .userOrKey, body: "Webhook", success: 201),
        Operation(method: "get", path: "/api/webhooks/events", tag: "webhooks", summary: "The event types an endpoint can subscribe to",
                  auth: .userOrKey),
        Operation(method: "get", path: "/api/webhooks/{webhook}", tag: "webhooks", summary: "One endpoint", auth: .userOrKey),
        Operation(method: "put", path: "/api/webhooks/{webhook}", tag: "webhooks", summary: "Change an endpoint; enabled re-enables a disabled one",
                  auth: .userOrKey, body: "WebhookUpdate"),
        Operation(method: "delete", path: "/api/webhooks/{webhook}", tag: "webhooks", summary: "Remove an endpoint", auth: .userOrKey, success: 204),
        Operation(method: "post", path: "/api/webhooks/{webhook}/rotate-secret", tag: "webhooks", summary: "A new signing secret, shown once",
                  auth: .userOrKey),
        Operation(method: "post", path: "/api/webhooks/{webhook}/ping", tag: "webhooks", summary: "Send a ping event to the endpoint",
                  auth: .userOrKey, success: 202),
        Operation(method: "get", path: "/api/webhooks/{webhook}/deliveries", tag: "webhooks", summary: "The delivery log with each attempt",
                  auth: .userOrKey, query: [("limit", .object(["type": "integer", "minimum": 1, "maximum": 100])),
                                            ("cursor", .object(["type": "string", "pattern": "^[0-9]+$"])),
                                            ("state", string(["enum": ["pending", "delivered", "failed"]]))]),
        Operation(method: "post", path: "/api/webhooks/{webhook}/deliveries/{delivery}/redeliver", tag: "webhooks",
                  summary: "Send a delivery's event again", auth: .userOrKey, success: 202),
        Operation(method: "get", path: "/api/schedules", tag: "schedules", summary: "The scheduler's entries (platform operators)", auth: .user),
        Operation(method: "post", path: "/api/calls/outbound", tag: "calls", summary: "Place an outbound call (row and dial job)", auth: .userOrKey,
                  body: "OutboundCallRequest", success: 202, headers: [("Idempotency-Key", string(["minLength": 1, "maxLength": 200]))]),
        Operation(method: "get", path: "/api/calls/history", tag: "calls", summary: "Calls, newest first", auth: .userOrKey, query: pageQuery + [
            ("status", string(["enum": .array(CallStatus.allCases.map { .string($0.rawValue) })])),
            ("direction", string(["enum": ["inbound", "outbound"]])), ("assistant_id", idParameter),
            ("number", string(["pattern": "^\\+[1-9][0-9]{7,14}$"])),
            ("since", string(["format": "date-time"])), ("until", string(["format": "date-time"])),
        ]),
        Operation(method: "get", path: "/api/calls/{call}/status", tag: "calls", summary: "A call's status", auth: .userOrKey),
        Operation(method: "get", path: "/api/calls/{call}/transcript", tag: "calls", summary: "A call's conversation turn by turn, and its analysis",
                  auth: .userOrKey),
        Operation(method: "post", path: "/api/calls/{call}/end", tag: "calls", summary: "Hang up or cancel a call", auth: .userOrKey),
        Operation(method: "post", path: "/api/files", tag: "files", summary: "Upload a file (its text is extracted by a job)", auth: .userOrKey,
                  body: "FileUpload", success: 202, bodyType: "multipart/form-data"),
        Operation(method: "get", path: "/api/files", tag: "files", summary: "Files, newest first", auth: .userOrKey,
                  query: pageQuery + [("assistant_id", idParameter)]),
        Operation(method: "get", path: "/api/files/{file}", tag: "files", summary: "A file with its extracted text", auth: .userOrKey),
        Operation(method: "delete", path: "/api/files/{file}", tag: "files", summary: "Delete a file", auth: .userOrKey, success: 204),
        Operation(method: "post", path: "/api/email/campaigns", tag: "email", summary: "Start a bulk email campaign", auth: .userOrKey,
                  body: "Campaign", success: 202),
        Operation(method: "get", path: "/api/email/campaigns", tag: "email", summary: "Campaigns, newest first", auth: .userOrKey, query: pageQuery),
        Operation(method: "get", path: "/api/email/campaigns/{campaign}", tag: "email", summary: "A campaign with its progress", auth: .userOrKey),
        Operation(method: "post", path: "/api/email/campaigns/{campaign}/cancel", tag: "email", summary: "Stop a sending campaign",
                  auth: .userOrKey),
        Operation(method: "get", path: "/api/email/templates", tag: "email", summary: "Built-in and workspace templates", auth: .userOrKey),
        Operation(method: "get", path: "/api/email/templates/{template}", tag: "email", summary: "The template in use, with its variables",
                  auth: .userOrKey),
        Operation(method: "put", path: "/api/email/templates/{template}", tag: "email", summary: "Save the workspace's version (checked first)",
                  auth: .userOrKey, body: "EmailTemplate"),
        Operation(method: "delete", path: "/api/email/templates/{template}", tag: "email", summary: "Remove the workspace's version",
                  auth: .userOrKey, success: 204),
        Operation(method: "post", path: "/api/email/templates/{template}/preview", tag: "email", summary: "Render a draft or the template in use",
                  auth: .userOrKey, body: "TemplatePreview"),
        Operation(method: "post", path: "/webhooks/twilio/status", tag: "webhooks", summary: "Twilio's call status callback (signed)", auth: .none,
                  body: "TwilioStatusCallback", success: 204, query: [("call", idParameter)],
                  bodyType: "application/x-www-form-urlencoded", headers: [("X-Twilio-Signature", string())]),
        Operation(method: "post", path: "/webhooks/twilio/recording", tag: "webhooks", summary: "Twilio's recording status callback (signed)",
                  auth: .none, body: "TwilioRecordingCallback", success: 204, bodyType: "application/x-www-form-urlencoded",
                  headers: [("X-Twilio-Signature", string())]),
        Operation(method: "post", path: "/webhooks/twilio/voice", tag: "webhooks", summary: "Twilio asks what a connected call does (signed; TwiML)",
                  auth: .none, body: "TwilioVoiceRequest", query: [("call", idParameter)],
                  bodyType: "application/x-www-form-urlencoded", headers: [("X-Twilio-Signature", string())]),
        Operation(method: "post", path: "/webhooks/twilio/turn", tag: "webhooks",
                  summary: "Twilio's speech result of a turn; answers the assistant's reply and the next turn (signed; TwiML)",
                  auth: .none, body: "TwilioGatherResult", query: [("call", idParameter), ("turn", .object(["type": "integer", "minimum": 1]))],
                  bodyType: "application/x-www-form-urlencoded", headers: [("X-Twilio-Signature", string())]),
    ]

    static func string(_ extra: [String: JSONValue] = [:]) -> JSONValue { .object(["type": "string"].merging(extra) { $1 }) }
    static func object(_ properties: [String: JSONValue], required: [String] = []) -> JSONValue {
        .object(["type": "object", "properties": .object(properties), "required": .array(required.map { .string($0) }),
                 "additionalProperties": .bool(false)])
    }

    static let toolProperties: [String: JSONValue] = [
        "name": string(["pattern": "^[A-Za-z][A-Za-z0-9_-]{0,63}$"]), "description": string(["maxLength": 2000]),
        "category": string(["enum": ["api", "webhook", "database", "service"]]),
        "method": string(["enum": ["GET", "POST", "PUT", "PATCH", "DELETE"]]), "url": string(["format": "uri", "maxLength": 2048]),
        "parameters": .object(["type": "object", "description": "A JSON Schema of \"type\": \"object\""]),
        "auth": .object(["type": "object", "required": ["type"], "properties": .object([
            "type": string(["enum": ["none", "api_key", "bearer", "basic", "oauth2"]]), "header": string(), "key": string(), "token": string(),
            "username": string(), "password": string(), "token_url": string(), "client_id": string(), "client_secret": string(), "scope": string(),
        ]), "additionalProperties": .bool(false)]),
        "timeout_ms": .object(["type": "integer", "minimum": 100, "maximum": 60000]),
        "response": object(["fields": .object(["type": "array", "items": string(), "maxItems": 50]),
                            "max_bytes": .object(["type": "integer", "minimum": 256, "maximum": 1048576])]),
        "enabled": .object(["type": "boolean"]),
    ]

    static let webhookProperties: [String: JSONValue] = [
        "url": string(["format": "uri", "maxLength": 2048]), "description": string(["maxLength": 500]),
        "events": .object(["type": "array", "minItems": 1, "items": string(["enum": .array(
            (["*"] + WebhookEventType.subscribable.map(\.rawValue)).map { .string($0) })])]),
        "enabled": .object(["type": "boolean"]),
    ]

    /// Request bodies by name.
    static let schemas: [String: JSONValue] = [
        "Register": object(["email": string(["format": "email"]), "password": string(["minLength": 10]),
                            "first_name": string(), "last_name": string()], required: ["email", "password"]),
        "Login": object(["email": string(), "username": string(), "password": string()], required: ["password"]),
        "RefreshToken": object(["refresh_token": string()], required: ["refresh_token"]),
        "ForgotPassword": object(["email": string()], required: ["email"]),
        "ResetPassword": object(["token": string(), "password": string()], required: ["token", "password"]),
        "WorkspaceChange": object(["name": string(["minLength": 1, "maxLength": 120]), "description": string(["maxLength": 2000])]),
        "InviteRequest": object(["email": string(["format": "email"]), "role": string(["enum": ["owner", "admin", "member", "viewer"]])],
                         required: ["email"]),
        "Role": object(["role": string(["enum": ["owner", "admin", "member", "viewer"]])], required: ["role"]),
        "AcceptInvite": object(["token": string()], required: ["token"]),
        "NewAPIKey": object(["name": string(["minLength": 1, "maxLength": 100]),
                          "scopes": .object(["type": "array",
                                             "items": string(["enum": .array(Permission.scopes.keys.sorted().map { .string($0) })])])],
                         required: ["name", "scopes"]),
        "Enqueue": object(["kind": string(), "args": .object(["type": "object"]), "priority": .object(["type": "integer"]),
                           "run_at": string(["format": "date-time"]), "delay_seconds": .object(["type": "number", "minimum": 0]),
                           "max_attempts": .object(["type": "integer", "minimum": 1, "maximum": 25]),
                           "tags": .object(["type": "array", "items": string()])], required: ["kind"]),
        "AssistantSettings": object([
            "name": string(), "description": string(), "llm_provider": string(), "llm_model": string(), "system_prompt": string(),
            "first_message": string(), "temperature": .object(["type": "number"]), "max_tokens": .object(["type": "integer"]),
            "language": string(), "voice_provider": string(), "voice_id": string(), "interruption_sensitivity": .object(["type": "number"]),
            "silence_timeout_ms": .object(["type": "integer"]), "response_delay_ms": .object(["type": "integer"]),
            "record_calls": .object(["type": "boolean"]), "transfer_number": string(["pattern": "^(\\+[1-9][0-9]{7,14})?$"]),
        ]),
        "ConversationStart": object(["version": .object(["type": "integer", "minimum": 1])]),
        "ConversationTurn": object(["text": string(["minLength": 1, "maxLength": 4000])], required: ["text"]),
        "AssistantFiles": object(["file_ids": .object(["type": "array", "items": string(["format": "uuid"]), "maxItems": 64])],
                                 required: ["file_ids"]),
        "AssistantTools": object(["tool_ids": .object(["type": "array", "items": string(["format": "uuid"]), "maxItems": 64])],
                                 required: ["tool_ids"]),
        "NewPhoneNumber": object(["number": string(["pattern": "^\\+[1-9][0-9]{7,14}$"]), "label": string(), "provider_sid": string(),
                               "assistant_id": string(["format": "uuid"])], required: ["number"]),
        "PhoneNumberPurchase": object(["number": string(["pattern": "^\\+[1-9][0-9]{7,14}$"]), "label": string(),
                                       "assistant_id": string(["format": "uuid"])], required: ["number"]),
        "PhoneNumberUpdate": object(["label": string(), "assistant_id": .object(["type": .array(["string", "null"]), "format": "uuid"])]),
        "CreditSettings": object(["warning_thresholds": .object(["type": "array",
                                                                 "items": .object(["type": "integer", "minimum": 0, "maximum": 100])])],
                                 required: ["warning_thresholds"]),
        "Deletion": object(["password": string(), "workspace_policy": string(["enum": ["transfer", "delete"]])], required: ["password"]),
        "Campaign": object([
            "name": string(), "template": string(), "variables": .object(["type": "object"]),
            "recipients": .object(["type": "array", "items": object(["email": string(), "name": string(), "variables": .object(["type": "object"])],
                                                                    required: ["email"])]),
            "segment": object(["roles": .object(["type": "array", "items": string(["enum": ["owner", "admin", "member", "viewer"]])])]),
        ], required: ["name", "template"]),
        "Tool": object(toolProperties, required: ["name", "url"]),
        "ToolUpdate": object(toolProperties),
        "ToolArguments": object(["arguments": .object(["type": "object"])]),
        "Webhook": object(webhookProperties, required: ["url", "events"]),
        "WebhookUpdate": object(webhookProperties),
        "JobFilter": .object(["type": "object", "minProperties": 1, "additionalProperties": .bool(false), "properties": .object([
            "queue": string(["minLength": 1, "maxLength": 100]), "kind": string(["minLength": 1, "maxLength": 200]),
            "state": string(["enum": .array(JobState.allCases.map { .string($0.rawValue) })]), "workspace_id": idParameter,
            "search": string(["minLength": 1, "maxLength": 200]),
        ])]),
        "RetryDiscarded": object(["kind": string(["minLength": 1, "maxLength": 200])], required: ["kind"]),
        "EmailTemplate": object(["subject": string(["minLength": 1]), "text": string(["minLength": 1]), "html": string(["minLength": 1])],
                                required: ["subject", "text", "html"]),
        "TemplatePreview": object(["subject": string(["minLength": 1]), "text": string(["minLength": 1]), "html": string(["minLength": 1]),
                                   "variables": .object(["type": "object"])]),
        "OutboundCallRequest": object(["assistant_id": string(["format": "uuid"]), "to": string(["pattern": "^\\+[1-9][0-9]{7,14}$"]),
                                "from": string(["pattern": "^\\+[1-9][0-9]{7,14}$"]), "record": .object(["type": "boolean"])],
                               required: ["assistant_id", "to"]),
        "TwilioStatusCallback": .object(["type": "object", "required": ["CallSid", "CallStatus"], "properties": .object([
            "CallSid": string(), "CallStatus": string(), "SequenceNumber": string(), "CallDuration": string(),
            "RecordingUrl": string(), "RecordingSid": string(),
        ])]),
        "FileUpload": .object(["type": "object", "required": ["file"], "properties": .object([
            "file": string(["format": "binary"]), "assistant_id": string(["format": "uuid"]),
        ])]),
        "TwilioRecordingCallback": .object(["type": "object", "required": ["CallSid"], "properties": .object([
            "CallSid": string(), "RecordingSid": string(), "RecordingUrl": string(), "RecordingStatus": string(), "RecordingDuration": string(),
        ])]),
        "TwilioVoiceRequest": .object(["type": "object", "required": ["CallSid"], "properties": .object([
            "CallSid": string(), "To": string(), "From": string(), "CallStatus": string(), "Direction": string(),
        ])]),
        "TwilioGatherResult": .object(["type": "object", "required": ["CallSid"], "properties": .object([
            "CallSid": string(), "SpeechResult": string(), "Confidence": string(), "Digits": string(),
        ])]),
        "CreditGrant": object(["workspace_id": string(["format": "uuid"]), "credits": .object(["type": "number", "exclusiveMinimum": 0]),
                               "description": string(), "reference": string()], required: ["workspace_id", "credits"]),
    ]

    static var document: JSONValue {
        var paths: [String: [String: JSONValue]] = [:]
        for operation in operations {
            var parameters: [JSONValue] = operation.path.split(separator: "/").filter { $0.hasPrefix("{") }.map { part in
                let name = String(part.dropFirst().dropLast())
                return .object(["name": .string(name), "in": "path", "required": true,
                                "schema": name == "job" || name == "delivery" || name == "version" ? .object(["type": "integer", "minimum": 1])
                                    : name == "template" ? string(["pattern": "^[a-z0-9_-]{1,64}$"])
                                    : name == "queue" ? string(["minLength": 1, "maxLength": 100]) : idParameter])
            }
            parameters += operation.query.map { .object(["name": .string($0.0), "in": "query", "required": false, "schema": $0.1]) }
            parameters += operation.headers.map { .object(["name": .string($0.0), "in": "header", "required": false, "schema": $0.1]) }
            var entry: [String: JSONValue] = [
                "tags": .array([.string(operation.tag)]), "summary": .string(operation.summary),
                "operationId": .string(answers["\(operation.method) \(operation.path)"]?.id ?? "\(operation.method) \(operation.path)"),
                "parameters": .array(parameters),
                "responses": responses(of: operation),
            ]
            switch operation.auth {
            case .none: entry["security"] = .array([])
            case .user: entry["security"] = .array([.object(["bearer": .array([])])])
            case .userOrKey: entry["security"] = .array([.object(["bearer": .array([])]), .object(["apiKey": .array([])])])
            }
            if operation.auth == .userOrKey, !operation.path.contains("{workspace}") {
                parameters.append(.object(["name": "X-Workspace-ID", "in": "header", "required": false, "schema": idParameter,
                                           "description": "The workspace a user acts in (API keys carry theirs)"]))
                entry["parameters"] = .array(parameters)
            }
            if let body = operation.body {
                var media: [String: JSONValue] = ["schema": .object(["$ref": .string("#/components/schemas/\(body)")])]
                if let example = requestExamples[body] { media["example"] = example }
                entry["requestBody"] = .object(["required": true, "content": .object([operation.bodyType: .object(media)])])
            }
            paths[operation.path, default: [:]][operation.method] = .object(entry)
        }
        var components = schemas.merging(responseSchemas) { request, _ in request }
        components["Error"] = .object(["type": "object", "required": ["error"], "properties": .object([
            "error": object(["code": string(), "message": string(), "details": .object(["type": "object"]), "request_id": string()],
                            required: ["code", "message"]),
        ])])
        return .object([
            "openapi": "3.1.0",
            "info": .object(["title": "VoicePartnerAI API", "version": "1.0.0"]),
            "paths": .object(paths.mapValues { .object($0) }),
            "components": .object([
                "schemas": .object(components),
                "securitySchemes": .object([
                    "bearer": .object(["type": "http", "scheme": "bearer", "description": "An access token or an API key"]),
                    "apiKey": .object(["type": "apiKey", "in": "header", "name": "X-API-Key"]),
                ]),
            ]),
        ])
    }
}
