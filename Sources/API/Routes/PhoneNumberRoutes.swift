import Foundation
import Hummingbird
import Logging
import Platform
import QueueEngine

/// `/api/phone-numbers`: the workspace's numbers (E.164) and which assistant answers each. Adding a
/// number records one the workspace already holds at its provider.
struct PhoneNumberRoutes {
    let database: APIDatabase
    let accessControl: AccessControl
    let providers: PlatformProviders

    struct CreateBody: Decodable {
        let number: String
        let label: String?
        let providerSID: String?
        let assistantID: String?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case number, label
            case providerSID = "provider_sid", assistantID = "assistant_id"
        }
    }

    /// `assistant_id` null unbinds; absent keeps the binding.
    struct UpdateBody: Decodable {
        let label: String?
        let assistantID: String??

        enum CodingKeys: String, CodingKey, CaseIterable {
            case label
            case assistantID = "assistant_id"
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            label = try container.decodeIfPresent(String.self, forKey: .label)
            assistantID = container.contains(.assistantID) ? .some(try container.decodeIfPresent(String.self, forKey: .assistantID)) : .none
        }
    }

    struct PhoneNumberView: ResponseEncodable {
        let id: String
        let number: String
        let label: String
        let provider: String
        let providerSID: String?
        let assistantID: String?
        let providerStatus: String
        let providerError: String?
        let createdAt: Date
        let updatedAt: Date

        init(_ record: PhoneNumberRecord) {
            id = record.id.idString
            number = record.number
            label = record.label
            provider = record.provider
            providerSID = record.providerSID
            assistantID = record.assistantID?.idString
            providerStatus = record.providerStatus.rawValue
            providerError = record.providerError
            createdAt = record.createdAt
            updatedAt = record.updatedAt
        }
    }

    func add(to router: Router<APIRequestContext>) {
        router.get("api/phone-numbers", use: list)
        router.post("api/phone-numbers", use: create)
        router.get("api/phone-numbers/:number", use: show)
        router.put("api/phone-numbers/:number", use: update)
        router.delete("api/phone-numbers/:number", use: delete)
        router.get("api/phone-numbers/available", use: available)
        router.post("api/phone-numbers/purchase", use: purchase)
    }

    @Sendable func list(_ request: Request, context: APIRequestContext) async throws -> [PhoneNumberView] {
        let access = try await accessControl.admit(request, context, requiring: .phoneNumbersRead)
        let logger = database.logger
        return try await database.read { try await PhoneNumberStore.list(workspaceID: access.workspaceID, on: $0, logger: logger) }
            .map(PhoneNumberView.init)
    }

    @Sendable func create(_ request: Request, context: APIRequestContext) async throws -> EditedResponse<PhoneNumberView> {
        let access = try await accessControl.admit(request, context, requiring: .phoneNumbersManage)
        let body = try await RequestBody.decode(CreateBody.self, from: request, context: context,
                                                allowedKeys: Set(CreateBody.CodingKeys.allCases.map(\.rawValue)))
        let number = try Self.e164(body.number)
        let label = try Validation.text(body.label ?? "", field: "label", maxLength: 100, allowEmpty: true)
        let sid = try body.providerSID.map { try Validation.text($0, field: "provider_sid", maxLength: 64) }
        let logger = database.logger
        let record = try await database.write { transaction in
            let assistant = try await Self.assistant(body.assistantID, access: access, on: transaction, logger: logger)
            guard let record = try await PhoneNumberStore.create(workspaceID: access.workspaceID, number: number, label: label,
                                                                 providerSID: sid, assistantID: assistant, status: .configuring,
                                                                 on: transaction.connection, logger: logger)
            else { throw APIError(.conflict, .conflict, "this number is already registered") }
            try await Self.configure(record, in: transaction)
            try await AuditLog.record(access.audit("phone_number.create", "phone_number", record.id.idString, details: ["number": number]),
                                      on: transaction.connection, logger: logger)
            return record
        }
        return EditedResponse(status: .created, response: PhoneNumberView(record))
    }

    @Sendable func show(_ request: Request, context: APIRequestContext) async throws -> PhoneNumberView {
        let access = try await accessControl.admit(request, context, requiring: .phoneNumbersRead)
        let id = try PathParameter.uuid(context, "number")
        let logger = database.logger
        guard let record = try await database.read({ try await PhoneNumberStore.phoneNumber(workspaceID: access.workspaceID, id: id,
                                                                                            on: $0, logger: logger) }) else {
            throw APIError.notFound("phone number")
        }
        return PhoneNumberView(record)
    }

    @Sendable func update(_ request: Request, context: APIRequestContext) async throws -> PhoneNumberView {
        let access = try await accessControl.admit(request, context, requiring: .phoneNumbersManage)
        let id = try PathParameter.uuid(context, "number")
        let body = try await RequestBody.decode(UpdateBody.self, from: request, context: context,
                                                allowedKeys: Set(UpdateBody.CodingKeys.allCases.map(\.rawValue)))
        let logger = database.logger
        let record = try await database.write { transaction in
            guard let current = try await PhoneNumberStore.phoneNumber(workspaceID: access.workspaceID, id: id, on: transaction.connection,
                                                                       logger: logger) else {
                throw APIError.notFound("phone number")
            }
            let label = try body.label.map { try Validation.text($0, field: "label", maxLength: 100, allowEmpty: true) } ?? current.label
            let assistant: UUID? = switch body.assistantID {
            case .none: current.assistantID
            case .some(let value): try await Self.assistant(value, access: access, on: transaction, logger: logger)
            }
            guard let record = try await PhoneNumberStore.update(workspaceID: access.workspaceID, id: id, label: label, assistantID: assistant,
                                                                 on: transaction.connection, logger: logger)
            else { throw APIError.notFound("phone number") }
            if record.assistantID != current.assistantID, record.providerStatus == .configuring { try await Self.configure(record, in: transaction) }
            try await AuditLog.record(access.audit("phone_number.update", "phone_number", id.idString,
                                                   details: ["assistant_id": assistant?.idString ?? "none"]),
                                      on: transaction.connection, logger: logger)
            return record
        }
        return PhoneNumberView(record)
    }

    @Sendable func delete(_ request: Request, context: APIRequestContext) async throws -> Response {
        let access = try await accessControl.admit(request, context, requiring: .phoneNumbersManage)
        let id = try PathParameter.uuid(context, "number")
        let logger = database.logger
        try await database.write { transaction in
            guard try await PhoneNumberStore.delete(workspaceID: access.workspaceID, id: id, on: transaction.connection, logger: logger) else {
                throw APIError.notFound("phone number")
            }
            try await AuditLog.record(access.audit("phone_number.delete", "phone_number", id.idString), on: transaction.connection, logger: logger)
        }
        return Response(status: .noContent)
    }

    /// Enqueues the provider side of a number's binding; one runs at a time per number, each applying the binding as it is then.
    static func configure(_ record: PhoneNumberRecord, in transaction: JobTransaction) async throws {
        try await transaction.enqueue(ConfigureNumberJob.self, ConfigureNumberJob.Args(numberID: record.id), options: JobOptions(
            workspaceID: record.workspaceID.idString, concurrency: ConcurrencyLimit(key: "number:\(record.id.idString)", limit: 1)))
    }

    /// `+` and 8 to 15 digits, the first not 0.
    static func e164(_ text: String, field: String = "number") throws -> String {
        let number = text.trimmingCharacters(in: .whitespaces)
        guard AssistantSettings.isE164(number) else { throw APIError.validation(field: field, "must be an E.164 number such as +4930123456") }
        return number
    }

    /// The assistant to bind, which must be one of the caller's workspace (else the field is invalid:
    /// the caller learns nothing about other workspaces' ids).
    static func assistant(_ text: String?, access: WorkspaceAccess, on transaction: JobTransaction, logger: Logger) async throws -> UUID? {
        guard let text else { return nil }
        guard let id = UUID(uuidString: text),
              try await AssistantStore.assistant(workspaceID: access.workspaceID, id: id, on: transaction.connection, logger: logger) != nil
        else { throw APIError.validation(field: "assistant_id", "names no assistant of this workspace") }
        return id
    }
}
