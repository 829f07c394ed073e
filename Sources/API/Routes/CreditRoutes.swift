import Foundation
import Hummingbird
import Platform

/// `/api/credits`: the workspace's balance, ledger and warning thresholds. Grants come from
/// platform operators (`PLATFORM_OPERATOR_EMAILS`), never from a workspace's own members; usage is
/// charged by the job kinds that spend credits.
struct CreditRoutes {
    let database: APIDatabase
    let accessControl: AccessControl
    static let millicredits = 1_000.0

    struct GrantBody: Decodable {
        let workspaceID: String
        let credits: Double
        let description: String?
        let reference: String?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case credits, description, reference
            case workspaceID = "workspace_id"
        }
    }

    struct SettingsBody: Decodable {
        let warningThresholds: [Int]

        enum CodingKeys: String, CodingKey, CaseIterable { case warningThresholds = "warning_thresholds" }
    }

    struct AccountView: ResponseEncodable {
        let balance: Double
        let allowance: Double
        let warningThresholds: [Int]
        /// The lowest warning threshold the balance has reached, if any.
        let crossedThreshold: Int?

        init(_ account: CreditAccount) {
            balance = Double(account.balance) / CreditRoutes.millicredits
            allowance = Double(account.allowance) / CreditRoutes.millicredits
            warningThresholds = account.warningThresholds
            crossedThreshold = account.crossedThreshold
        }
    }

    struct EntryView: ResponseEncodable {
        let id: Int64
        let kind: String
        let credits: Double
        let balanceAfter: Double
        let reference: String?
        let description: String
        let createdAt: Date

        init(_ entry: CreditEntry) {
            id = entry.id
            kind = entry.kind
            credits = Double(entry.amount) / CreditRoutes.millicredits
            balanceAfter = Double(entry.balanceAfter) / CreditRoutes.millicredits
            reference = entry.reference
            description = entry.description
            createdAt = entry.createdAt
        }
    }

    func add(to router: Router<APIRequestContext>) {
        router.get("api/credits", use: show)
        router.get("api/credits/ledger", use: ledger)
        router.put("api/credits/settings", use: settings)
        router.post("api/credits/grants", use: grant)
    }

    @Sendable func show(_ request: Request, context: APIRequestContext) async throws -> AccountView {
        let access = try await accessControl.admit(request, context, requiring: .creditsRead)
        let logger = database.logger
        return AccountView(try await database.read { try await CreditStore.account(workspaceID: access.workspaceID, on: $0, logger: logger) })
    }

    @Sendable func ledger(_ request: Request, context: APIRequestContext) async throws -> Page<EntryView> {
        let access = try await accessControl.admit(request, context, requiring: .creditsRead)
        let limit = try Validation.limit(request.uri.queryParameters["limit"].map(String.init))
        let before = try IDCursor.parse(request.uri.queryParameters["cursor"])
        let logger = database.logger
        let entries = try await database.read {
            try await CreditStore.entries(workspaceID: access.workspaceID, beforeID: before, limit: limit, on: $0, logger: logger)
        }
        return Page(entries, limit: limit, cursor: { String($0.id) }, item: EntryView.init)
    }

    @Sendable func settings(_ request: Request, context: APIRequestContext) async throws -> AccountView {
        let access = try await accessControl.admit(request, context, requiring: .creditsManage)
        let body = try await RequestBody.decode(SettingsBody.self, from: request, context: context,
                                                allowedKeys: Set(SettingsBody.CodingKeys.allCases.map(\.rawValue)))
        let thresholds = Array(Set(body.warningThresholds)).sorted(by: >)
        guard thresholds.count <= 10, thresholds.allSatisfy({ (0...100).contains($0) }) else {
            throw APIError.validation(field: "warning_thresholds", "up to 10 percentages from 0 to 100")
        }
        let logger = database.logger
        return AccountView(try await database.write { transaction in
            try await CreditStore.setWarningThresholds(workspaceID: access.workspaceID, thresholds, on: transaction.connection, logger: logger)
            try await AuditLog.record(access.audit("credits.settings", "workspace", access.workspaceKey,
                                                   details: ["warning_thresholds": thresholds.map(String.init).joined(separator: ",")]),
                                      on: transaction.connection, logger: logger)
            return try await CreditStore.account(workspaceID: access.workspaceID, on: transaction.connection, logger: logger)
        })
    }

    /// A platform operator adds credits to any workspace.
    @Sendable func grant(_ request: Request, context: APIRequestContext) async throws -> EditedResponse<EntryView> {
        let userID = try await accessControl.requireOperator(context)
        let logger = database.logger
        let body = try await RequestBody.decode(GrantBody.self, from: request, context: context,
                                                allowedKeys: Set(GrantBody.CodingKeys.allCases.map(\.rawValue)))
        guard let workspaceID = UUID(uuidString: body.workspaceID) else { throw APIError.validation(field: "workspace_id", "must be a workspace id") }
        guard body.credits.isFinite, body.credits > 0, body.credits <= 1e9 else {
            throw APIError.validation(field: "credits", "must be a positive amount up to 1,000,000,000")
        }
        let amount = Int64((body.credits * Self.millicredits).rounded())
        let description = try Validation.text(body.description ?? "", field: "description", maxLength: 200, allowEmpty: true)
        let reference = try body.reference.map { try Validation.text($0, field: "reference", maxLength: 200) }
        let change = try await database.write { transaction -> CreditStore.Change in
            guard try await WorkspaceStore.workspace(id: workspaceID, on: transaction.connection, logger: logger) != nil else {
                throw APIError.notFound("workspace")
            }
            let change = try await CreditStore.grant(workspaceID: workspaceID, amount: amount, reference: reference.map { "grant:\($0)" },
                                                     description: description, actorUserID: userID, on: transaction.connection, logger: logger)
            if case .applied(let entry) = change {
                try await AuditLog.record(AuditEntry(workspaceID: workspaceID, actorUserID: userID, actorKeyID: nil, action: "credits.grant",
                                                     resourceType: "credit_ledger", resourceID: String(entry.id), ip: context.remoteIP,
                                                     detailsJSON: #"{"credits":\#(body.credits)}"#),
                                          on: transaction.connection, logger: logger)
            }
            return change
        }
        switch change {
        case .applied(let entry): return EditedResponse(status: .created, response: EntryView(entry))
        case .duplicate(let entry): return EditedResponse(status: .ok, response: EntryView(entry))
        case .insufficient: throw APIError(.conflict, .conflict, "the grant was refused")
        }
    }
}
