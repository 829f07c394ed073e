import Crypto
import Foundation
import Hummingbird
import Logging
import Platform
import Providers
import QueueEngine

/// `/api/files`: uploads (multipart, size and type limits) stored through the storage interface,
/// with their text-extraction job enqueued in the same transaction as the row; list, get (with the
/// extracted text) and delete.
struct FileRoutes {
    let database: APIDatabase
    let accessControl: AccessControl
    let providers: PlatformProviders

    struct FileView: ResponseEncodable {
        let id: String
        let assistantID: String?
        let name: String
        let contentType: String
        let format: String
        let sizeBytes: Int64
        let sha256: String
        let status: String
        let statusReason: String?
        let text: String?
        let pages: Int?
        let characters: Int?
        let truncated: Bool
        let jobID: Int64?
        let createdAt: Date
        let processedAt: Date?

        init(_ file: FileRecord) {
            id = file.id.idString
            assistantID = file.assistantID?.idString
            name = file.name
            contentType = file.contentType
            format = file.format.rawValue
            sizeBytes = file.sizeBytes
            sha256 = file.sha256
            status = file.status
            statusReason = file.statusReason
            text = file.text
            pages = file.pages
            characters = file.characters
            truncated = file.truncated
            jobID = file.jobID
            createdAt = file.createdAt
            processedAt = file.processedAt
        }
    }

    func add(to router: Router<APIRequestContext>) {
        router.post("api/files", use: upload)
        router.get("api/files", use: list)
        router.get("api/files/:file", use: show)
        router.delete("api/files/:file", use: delete)
    }

    @Sendable func upload(_ request: Request, context: APIRequestContext) async throws -> EditedResponse<FileView> {
        let access = try await accessControl.admit(request, context, requiring: .filesWrite)
        guard let boundary = request.headers[.contentType].flatMap(MultipartFormData.boundary(of:)) else {
            throw APIError(.unsupportedMediaType, .unsupportedMediaType, "upload a file as multipart/form-data with a part named file")
        }
        let limit = providers.extraction.maxBytes
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: limit + 64 << 10)
        } catch {
            throw APIError(.contentTooLarge, .payloadTooLarge, "a file is at most \(limit) bytes")
        }
        guard let parts = MultipartFormData.parse(Data(buffer: body), boundary: boundary) else {
            throw APIError(.badRequest, .badRequest, "the multipart body is not well-formed")
        }
        guard let part = parts.first(where: { $0.name == "file" }), let filename = part.filename else {
            throw APIError.validation(field: "file", "is required: a part named file with a filename")
        }
        let name = try Validation.text(String(filename.split(separator: "/").last ?? ""), field: "file", maxLength: 255)
        // PostgreSQL text cannot hold U+0000.
        guard !name.contains("\u{0}") else { throw APIError.validation(field: "file", "the file name must not contain NUL characters") }
        guard part.data.count <= limit else { throw APIError(.contentTooLarge, .payloadTooLarge, "a file is at most \(limit) bytes") }
        guard !part.data.isEmpty else { throw APIError.validation(field: "file", "is empty") }
        guard let format = DocumentFormat(filename: name, contentType: part.contentType) else {
            throw APIError(.unsupportedMediaType, .unsupportedMediaType,
                           "only \(DocumentFormat.allCases.map(\.rawValue).joined(separator: ", ")) files are accepted")
        }
        let assistantText = parts.first(where: { $0.name == "assistant_id" }).map { String(decoding: $0.data, as: UTF8.self) }
        let id = UUID()
        let key = "\(access.workspaceID.idString)/\(id.idString)"
        let digest = SHA256.hash(data: part.data).map { String(format: "%02x", $0) }.joined()
        let declared = part.contentType ?? ""
        let contentType = !declared.isEmpty && declared.count <= 100 && declared.allSatisfy({ $0.isASCII && !$0.isWhitespace || $0 == " " })
            ? declared : "application/octet-stream"
        let storage = providers.storage
        try await storage.put(part.data, key: key)
        let logger = database.logger
        do {
            let record = try await database.write { transaction in
                let assistant = try await PhoneNumberRoutes.assistant(assistantText, access: access, on: transaction, logger: logger)
                let job = try await transaction.enqueue(ExtractTextJob.self, ExtractTextJob.Args(fileID: id),
                                                        options: JobOptions(workspaceID: access.workspaceKey))
                let record = try await FileStore.create(
                    id: id, workspaceID: access.workspaceID, assistantID: assistant, name: name, contentType: contentType, format: format,
                    sizeBytes: Int64(part.data.count), sha256: digest, storageKey: key, jobID: job.id, createdBy: access.caller.userID,
                    on: transaction.connection, logger: logger)
                try await AuditLog.record(access.audit("file.upload", "file", id.idString, details: ["name": name]),
                                          on: transaction.connection, logger: logger)
                return record
            }
            return EditedResponse(status: .accepted, response: FileView(record))
        } catch {
            // No row: the stored bytes would be orphans.
            try? await storage.delete(key: key)
            throw error
        }
    }

    @Sendable func list(_ request: Request, context: APIRequestContext) async throws -> Page<FileView> {
        let access = try await accessControl.admit(request, context, requiring: .filesRead)
        let query = request.uri.queryParameters
        let limit = try Validation.limit(query["limit"].map(String.init))
        let before = try query["cursor"].map { try TimeCursor.parse(String($0)) }
        let assistant = try query["assistant_id"].map { text in
            guard let id = UUID(uuidString: String(text)) else { throw APIError.validation(field: "assistant_id", "must be an id") }
            return id
        }
        let logger = database.logger
        let records = try await database.read {
            try await FileStore.list(workspaceID: access.workspaceID, assistantID: assistant, before: before, limit: limit, on: $0, logger: logger)
        }
        return Page(records, limit: limit, cursor: { TimeCursor.make($0.createdAt, $0.id) }, item: FileView.init)
    }

    @Sendable func show(_ request: Request, context: APIRequestContext) async throws -> FileView {
        let access = try await accessControl.admit(request, context, requiring: .filesRead)
        let id = try PathParameter.uuid(context, "file")
        let logger = database.logger
        guard let file = try await database.read({ try await FileStore.file(workspaceID: access.workspaceID, id: id, on: $0, logger: logger) })
        else { throw APIError.notFound("file") }
        return FileView(file)
    }

    @Sendable func delete(_ request: Request, context: APIRequestContext) async throws -> Response {
        let access = try await accessControl.admit(request, context, requiring: .filesWrite)
        let id = try PathParameter.uuid(context, "file")
        let logger = database.logger
        let key = try await database.write { transaction -> String? in
            let key = try await FileStore.delete(workspaceID: access.workspaceID, id: id, on: transaction.connection, logger: logger)
            if key != nil {
                try await AuditLog.record(access.audit("file.delete", "file", id.idString), on: transaction.connection, logger: logger)
            }
            return key
        }
        guard let key else { throw APIError.notFound("file") }
        try await providers.storage.delete(key: key)
        return Response(status: .noContent)
    }
}
