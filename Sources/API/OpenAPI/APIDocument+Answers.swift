import Foundation
import Platform
import ServerSupport

/// What each operation answers: its stable operation id, its success status with the schema of the
/// body, and the statuses a replay answers with. Response objects list every field they may carry
/// (`additionalProperties: false`), so a field the server sends but the document does not name
/// fails the response-conformance checks, and clients generated from the document miss nothing.
extension APIDocument {
    enum Body: Equatable {
        case json(String)
        case empty
        case html
        case text
        case zip
        case twiml
    }

    struct Answer {
        let id: String
        let body: Body
        /// Other statuses with the same body: a replayed `Idempotency-Key` or grant reference answers 200, an
        /// unhealthy process 503.
        var also: [Int] = []
    }

    static let answers: [String: Answer] = [
        "get /openapi.json": Answer(id: "getOpenAPIDocument", body: .json("OpenAPIDocument")),
        "get /docs": Answer(id: "getDocsPage", body: .html),
        "get /health": Answer(id: "getHealth", body: .json("Health"), also: [503]),
        "get /health/live": Answer(id: "getLiveness", body: .json("Health")),
        "get /health/ready": Answer(id: "getReadiness", body: .json("Health"), also: [503]),
        "get /metrics": Answer(id: "getMetrics", body: .text),
        "get /health/metrics": Answer(id: "getHealthMetrics", body: .text),
        "post /auth/register": Answer(id: "register", body: .json("TokenPair")),
        "post /auth/login": Answer(id: "login", body: .json("TokenPair")),
        "post /auth/refresh": Answer(id: "refreshToken", body: .json("TokenPair")),
        "post /auth/logout": Answer(id: "logout", body: .empty),
        "post /auth/forgot-password": Answer(id: "forgotPassword", body: .json("Accepted")),
        "post /auth/reset-password": Answer(id: "resetPassword", body: .empty),
        "get /api/me": Answer(id: "getMe", body: .json("User")),
        "get /unsubscribe": Answer(id: "getUnsubscribePage", body: .html),
        "post /unsubscribe": Answer(id: "unsubscribe", body: .html),
        "post /api/me/delete": Answer(id: "requestAccountDeletion", body: .json("PersonalDataRequest")),
        "delete /api/me/delete": Answer(id: "cancelAccountDeletion", body: .empty),
        "post /api/me/export": Answer(id: "requestExport", body: .json("PersonalDataRequest")),
        "get /api/me/exports/{export}": Answer(id: "getExport", body: .json("PersonalDataRequest")),
        "get /api/me/exports/{export}/download": Answer(id: "downloadExport", body: .zip),
        "get /api/workspaces": Answer(id: "listWorkspaces", body: .json("WorkspaceList")),
        "post /api/workspaces": Answer(id: "createWorkspace", body: .json("Workspace")),
        "get /api/workspaces/{workspace}": Answer(id: "getWorkspace", body: .json("Workspace")),
        "put /api/workspaces/{workspace}": Answer(id: "updateWorkspace", body: .json("Workspace")),
        "delete /api/workspaces/{workspace}": Answer(id: "deleteWorkspace", body: .empty),
        "get /api/workspaces/{workspace}/audit": Answer(id: "listAuditEntries", body: .json("AuditPage")),
        "get /api/workspaces/{workspace}/members": Answer(id: "listMembers", body: .json("MemberList")),
        "post /api/workspaces/{workspace}/members": Answer(id: "inviteMember", body: .json("Invite")),
        "put /api/workspaces/{workspace}/members/{user}": Answer(id: "changeMemberRole", body: .empty),
        "delete /api/workspaces/{workspace}/members/{user}": Answer(id: "removeMember", body: .empty),
        "delete /api/workspaces/{workspace}/invites/{invite}": Answer(id: "revokeInvite", body: .empty),
        "post /api/invites/accept": Answer(id: "acceptInvite", body: .json("Workspace")),
        "get /api/workspaces/{workspace}/api-keys": Answer(id: "listAPIKeys", body: .json("APIKeyList")),
        "post /api/workspaces/{workspace}/api-keys": Answer(id: "createAPIKey", body: .json("APIKey")),
        "delete /api/workspaces/{workspace}/api-keys/{key}": Answer(id: "revokeAPIKey", body: .empty),
        "post /api/jobs": Answer(id: "enqueueJob", body: .json("Enqueued"), also: [200]),
        "get /api/jobs": Answer(id: "listJobs", body: .json("JobPage")),
        "get /api/jobs/{job}": Answer(id: "getJob", body: .json("Job")),
        "post /api/jobs/{job}/cancel": Answer(id: "cancelJob", body: .json("Job")),
        "post /api/jobs/{job}/retry": Answer(id: "retryJob", body: .json("Job")),
        "delete /api/jobs/{job}": Answer(id: "deleteJob", body: .empty),
        "post /api/jobs/retry-discarded": Answer(id: "retryDiscardedJobs", body: .json("RetriedJobs")),
        "get /api/jobs/activity": Answer(id: "getJobActivity", body: .json("JobActivity")),
        "get /api/admin/queues": Answer(id: "listQueues", body: .json("QueueOverview")),
        "post /api/admin/queues/{queue}/pause": Answer(id: "pauseQueue", body: .empty),
        "post /api/admin/queues/{queue}/resume": Answer(id: "resumeQueue", body: .empty),
        "get /api/admin/workers": Answer(id: "listWorkers", body: .json("WorkerList")),
        "get /api/admin/jobs": Answer(id: "findJobs", body: .json("JobPage")),
        "post /api/admin/jobs/cancel": Answer(id: "cancelMatchingJobs", body: .json("BulkResult")),
        "post /api/admin/jobs/retry": Answer(id: "retryMatchingJobs", body: .json("BulkResult")),
        "get /api/assistants": Answer(id: "listAssistants", body: .json("AssistantPage")),
        "post /api/assistants": Answer(id: "createAssistant", body: .json("Assistant")),
        "get /api/assistants/{assistant}": Answer(id: "getAssistant", body: .json("Assistant")),
        "put /api/assistants/{assistant}": Answer(id: "updateAssistant", body: .json("Assistant")),
        "delete /api/assistants/{assistant}": Answer(id: "deleteAssistant", body: .empty),
        "post /api/assistants/{assistant}/deploy": Answer(id: "deployAssistant", body: .json("Assistant")),
        "get /api/assistants/{assistant}/tools": Answer(id: "listAssistantTools", body: .json("AssistantLinks")),
        "put /api/assistants/{assistant}/tools": Answer(id: "setAssistantTools", body: .json("AssistantLinks")),
        "get /api/assistants/{assistant}/files": Answer(id: "listAssistantFiles", body: .json("AssistantLinks")),
        "put /api/assistants/{assistant}/files": Answer(id: "setAssistantFiles", body: .json("AssistantLinks")),
        "get /api/assistants/{assistant}/versions": Answer(id: "listAssistantVersions", body: .json("AssistantVersionList")),
        "post /api/assistants/{assistant}/versions/{version}/rollback": Answer(id: "rollbackAssistant", body: .json("Assistant")),
        "post /api/assistants/{assistant}/conversations": Answer(id: "startConversation", body: .json("Conversation")),
        "get /api/assistants/{assistant}/conversations/{conversation}": Answer(id: "getConversation", body: .json("Conversation")),
        "post /api/assistants/{assistant}/conversations/{conversation}/turns": Answer(id: "sayInConversation", body: .json("ConversationReply")),
        "get /api/phone-numbers": Answer(id: "listPhoneNumbers", body: .json("PhoneNumberList")),
        "post /api/phone-numbers": Answer(id: "registerPhoneNumber", body: .json("PhoneNumber")),
        "get /api/phone-numbers/available": Answer(id: "listAvailablePhoneNumbers", body: .json("AvailablePhoneNumbers")),
        "post /api/phone-numbers/purchase": Answer(id: "purchasePhoneNumber", body: .json("PhoneNumber")),
        "get /api/phone-numbers/{number}": Answer(id: "getPhoneNumber", body: .json("PhoneNumber")),
        "put /api/phone-numbers/{number}": Answer(id: "updatePhoneNumber", body: .json("PhoneNumber")),
        "delete /api/phone-numbers/{number}": Answer(id: "deletePhoneNumber", body: .empty),
        "get /api/credits": Answer(id: "getCredits", body: .json("CreditAccount")),
        "get /api/credits/ledger": Answer(id: "listLedgerEntries", body: .json("LedgerPage")),
        "put /api/credits/settings": Answer(id: "updateCreditSettings", body: .json("CreditAccount")),
        "post /api/credits/grants": Answer(id: "grantCredits", body: .json("LedgerEntry"), also: [200]),
        "get /api/analytics/summary": Answer(id: "getAnalyticsSummary", body: .json("AnalyticsSummary")),
        "get /api/analytics/realtime": Answer(id: "getAnalyticsRealtime", body: .json("AnalyticsRealtime")),
        "get /api/analytics/performance": Answer(id: "getAnalyticsPerformance", body: .json("AnalyticsPerformance")),
        "get /api/analytics/billing": Answer(id: "getAnalyticsBilling", body: .json("AnalyticsBilling")),
        "get /api/tools": Answer(id: "listTools", body: .json("ToolPage")),
        "post /api/tools": Answer(id: "createTool", body: .json("ToolDetails")),
        "get /api/tools/{tool}": Answer(id: "getTool", body: .json("ToolDetails")),
        "put /api/tools/{tool}": Answer(id: "updateTool", body: .json("ToolDetails")),
        "delete /api/tools/{tool}": Answer(id: "deleteTool", body: .empty),
        "post /api/tools/{tool}/test": Answer(id: "testTool", body: .json("ToolTestResult")),
        "post /api/tools/{tool}/invoke": Answer(id: "invokeTool", body: .json("ToolInvocation"), also: [200]),
        "get /api/tools/{tool}/usage": Answer(id: "getToolUsage", body: .json("ToolUsage")),
        "get /api/webhooks": Answer(id: "listWebhooks", body: .json("WebhookList")),
        "post /api/webhooks": Answer(id: "createWebhook", body: .json("WebhookEndpoint")),
        "get /api/webhooks/events": Answer(id: "listWebhookEventTypes", body: .json("WebhookEventTypes")),
        "get /api/webhooks/{webhook}": Answer(id: "getWebhook", body: .json("WebhookEndpoint")),
        "put /api/webhooks/{webhook}": Answer(id: "updateWebhook", body: .json("WebhookEndpoint")),
        "delete /api/webhooks/{webhook}": Answer(id: "deleteWebhook", body: .empty),
        "post /api/webhooks/{webhook}/rotate-secret": Answer(id: "rotateWebhookSecret", body: .json("WebhookEndpoint")),
        "post /api/webhooks/{webhook}/ping": Answer(id: "pingWebhook", body: .json("QueuedDelivery")),
        "get /api/webhooks/{webhook}/deliveries": Answer(id: "listWebhookDeliveries", body: .json("DeliveryPage")),
        "post /api/webhooks/{webhook}/deliveries/{delivery}/redeliver": Answer(id: "redeliverWebhookDelivery", body: .json("QueuedDelivery")),
        "get /api/schedules": Answer(id: "listSchedules", body: .json("ScheduleList")),
        "post /api/calls/outbound": Answer(id: "placeOutboundCall", body: .json("OutboundCall"), also: [200]),
        "get /api/calls/history": Answer(id: "listCalls", body: .json("CallPage")),
        "get /api/calls/{call}/status": Answer(id: "getCall", body: .json("Call")),
        "get /api/calls/{call}/transcript": Answer(id: "getCallTranscript", body: .json("Transcript")),
        "post /api/calls/{call}/end": Answer(id: "endCall", body: .json("Call")),
        "post /api/files": Answer(id: "uploadFile", body: .json("File")),
        "get /api/files": Answer(id: "listFiles", body: .json("FilePage")),
        "get /api/files/{file}": Answer(id: "getFile", body: .json("File")),
        "delete /api/files/{file}": Answer(id: "deleteFile", body: .empty),
        "post /api/email/campaigns": Answer(id: "startCampaign", body: .json("EmailCampaign")),
        "get /api/email/campaigns": Answer(id: "listCampaigns", body: .json("CampaignPage")),
        "get /api/email/campaigns/{campaign}": Answer(id: "getCampaign", body: .json("EmailCampaign")),
        "post /api/email/campaigns/{campaign}/cancel": Answer(id: "cancelCampaign", body: .json("EmailCampaign")),
        "get /api/email/templates": Answer(id: "listEmailTemplates", body: .json("EmailTemplateList")),
        "get /api/email/templates/{template}": Answer(id: "getEmailTemplate", body: .json("EmailTemplateDetails")),
        "put /api/email/templates/{template}": Answer(id: "saveEmailTemplate", body: .json("EmailTemplateDetails")),
        "delete /api/email/templates/{template}": Answer(id: "deleteEmailTemplate", body: .empty),
        "post /api/email/templates/{template}/preview": Answer(id: "previewEmailTemplate", body: .json("RenderedEmail")),
        "post /webhooks/twilio/status": Answer(id: "twilioStatusCallback", body: .empty),
        "post /webhooks/twilio/recording": Answer(id: "twilioRecordingCallback", body: .empty),
        "post /webhooks/twilio/voice": Answer(id: "twilioVoice", body: .twiml),
        "post /webhooks/twilio/turn": Answer(id: "twilioTurn", body: .twiml),
    ]

    /// The `responses` object of one operation: its success status (and replays) and the error shape.
    static func responses(of operation: Operation) -> JSONValue {
        let answer = answers["\(operation.method) \(operation.path)"]
        var responses: [String: JSONValue] = [
            "default": .object(["description": "An error", "content": .object([
                "application/json": .object(["schema": ref("Error")])])]),
        ]
        let success: JSONValue
        switch answer?.body ?? .empty {
        case .empty: success = .object(["description": "Done; no body"])
        case .json(let name):
            success = .object(["description": .string(name), "content": .object(["application/json": .object(["schema": ref(name)])])])
        case .html: success = .object(["description": "A page", "content": .object(["text/html": .object(["schema": string()])])])
        case .text: success = .object(["description": "Prometheus text format", "content": .object(["text/plain": .object(["schema": string()])])])
        case .zip: success = .object(["description": "A ZIP archive", "content": .object([
            "application/zip": .object(["schema": string(["contentMediaType": "application/zip"])])])])
        case .twiml: success = .object(["description": "TwiML", "content": .object(["application/xml": .object(["schema": string()])])])
        }
        responses[String(operation.success)] = success
        for status in answer?.also ?? [] {
            responses[String(status)] = success
        }
        return .object(responses)
    }

    static func ref(_ name: String) -> JSONValue { .object(["$ref": .string("#/components/schemas/\(name)")]) }
}
