import Foundation
import ServerSupport

/// An example of every JSON request body, shown by `/docs` and generated clients and sent by the
/// contract checks' example phase; a test holds each to its schema.
extension APIDocument {
    static let requestExamples: [String: JSONValue] = [
        "Register": ["email": "ada@example.com", "password": "correct horse battery staple", "first_name": "Ada", "last_name": "Lovelace"],
        "Login": ["email": "ada@example.com", "password": "correct horse battery staple"],
        "RefreshToken": ["refresh_token": "kxeLvKd6ySZ8SI9gFJbsrT4FV0Hk4AFQ_6Z2otAu9Ey"],
        "ForgotPassword": ["email": "ada@example.com"],
        "ResetPassword": ["token": "FJbsrT4FV0Hk4AFQ_6Z2otAu9EyCpbimRqsNQ1GSg04", "password": "a new long passphrase"],
        "WorkspaceChange": ["name": "Order desk", "description": "Inbound calls about orders"],
        "InviteRequest": ["email": "grace@example.com", "role": "member"],
        "Role": ["role": "admin"],
        "AcceptInvite": ["token": "inv_3f2c7792ac144f42b332238293bc6984"],
        "NewAPIKey": ["name": "CRM sync", "scopes": ["jobs:read", "jobs:write"]],
        "Enqueue": ["kind": "platform.canary", "args": ["sleepMS": 100], "max_attempts": 3, "tags": ["smoke"]],
        "AssistantSettings": [
            "name": "Order desk", "system_prompt": "You help callers with their orders. Be brief.", "first_message": "Hello, this is the order desk.",
            "llm_provider": "openai", "llm_model": "gpt-4o-mini", "temperature": .number(0.7), "language": "en-US", "voice_provider": "elevenlabs",
            "voice_id": "default", "record_calls": false,
        ],
        "ConversationStart": ["version": 1],
        "ConversationTurn": ["text": "When do you open on Saturday?"],
        "AssistantFiles": ["file_ids": ["6e55a242-ed00-401a-88c3-d2b6526fd163"]],
        "AssistantTools": ["tool_ids": ["e0d7362f-4670-4031-8202-8218aceb33b7"]],
        "NewPhoneNumber": ["number": "+4930123456", "label": "Front desk", "assistant_id": "6e55a242-ed00-401a-88c3-d2b6526fd163"],
        "PhoneNumberPurchase": ["number": "+15557339840", "label": "Sales line"],
        "PhoneNumberUpdate": ["label": "Sales", "assistant_id": .null],
        "CreditSettings": ["warning_thresholds": [50, 80, 95]],
        "Deletion": ["password": "correct horse battery staple", "workspace_policy": "transfer"],
        "Campaign": [
            "name": "Spring news", "template": "news", "variables": ["headline": "We open on Sundays now"],
            "recipients": [["email": "reader@example.com", "name": "Reader", "variables": ["headline": "See you on Sunday"]]],
        ],
        "Tool": [
            "name": "lookup_order", "description": "Looks an order up by its number", "url": "https://shop.example.com/orders/{order_id}",
            "method": "GET", "parameters": ["type": "object", "properties": ["order_id": ["type": "string", "pattern": "^[0-9]+$"]],
                                            "required": ["order_id"]],
            "auth": ["type": "api_key", "header": "X-Shop-Key", "key": "shop-secret"], "timeout_ms": 5000,
        ],
        "ToolUpdate": ["description": "Looks an order up", "enabled": false],
        "ToolArguments": ["arguments": ["order_id": "42"]],
        "Webhook": ["url": "https://hooks.example.com/voicepartner", "description": "CRM sync", "events": ["call.completed", "file.processed"]],
        "WebhookUpdate": ["enabled": true],
        "RetryDiscarded": ["kind": "email.send"],
        "JobFilter": ["kind": "email.send", "workspace_id": "fd3066a8-d0f5-4217-bc88-a6f0947873e6"],
        "EmailTemplate": [
            "subject": "Hello {{first_name}}", "text": "Hi {{first_name}}, {{headline}}. {{unsubscribe_url}}",
            "html": "<p>Hi {{first_name}}, {{headline}}.</p>",
        ],
        "TemplatePreview": ["variables": ["first_name": "Ada", "headline": "We open on Sundays now"]],
        "OutboundCallRequest": ["assistant_id": "6e55a242-ed00-401a-88c3-d2b6526fd163", "to": "+4930123456", "record": true],
        "CreditGrant": ["workspace_id": "fd3066a8-d0f5-4217-bc88-a6f0947873e6", "credits": 500, "description": "Monthly top-up",
                        "reference": "invoice-2026-12"],
    ]
}
