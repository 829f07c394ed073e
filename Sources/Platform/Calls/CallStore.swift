import Foundation
import Logging
import PostgresNIO
import Providers
import QueueEngine

/// Calls: the rows the API creates, the dial job moves and the provider's callbacks finish.
public enum CallStore {
    static let columns = """
        id, workspace_id, assistant_id, direction, to_number, from_number, status, status_reason,
        provider_call_sid, provider_error_code, dial_started_at, job_id, record, recording_url,
        duration_seconds, cost, created_at, answered_at, ended_at, updated_at, transcript_text, transcript_language,
        transcript_seconds
        """

    /// The row of an outbound call, made in the transaction that enqueues its dial job.
    public static func createOutbound(
        id: UUID, workspaceID: UUID, assistantID: UUID?, to: String, from: String, record: Bool, jobID: Int64,
        createdBy: UUID?, on connection: PostgresConnection, logger: Logger
    ) async throws -> CallRecord {
        let rows = try await connection.query("""
            INSERT INTO calls (id, workspace_id, assistant_id, direction, to_number, from_number, record, job_id, created_by)
            VALUES (\(id), \(workspaceID), \(assistantID), 'outbound', \(to), \(from), \(record), \(jobID), \(createdBy))
            RETURNING \(unescaped: columns)
            """, logger: logger)
        guard let record = try await decode(rows).first else { throw StoreInvariantError.insertReturnedNothing }
        return record
    }

    /// The row of an inbound call, made when Twilio first asks the voice webhook what to do. Twilio
    /// may ask again (a retry): the existing row is returned then.
    public static func createInbound(
        workspaceID: UUID, assistantID: UUID?, to: String, from: String, callSID: String, status: CallStatus,
        reason: String? = nil, on connection: PostgresConnection, logger: Logger
    ) async throws -> CallRecord {
        let rows = try await connection.query("""
            WITH made AS (
                INSERT INTO calls (workspace_id, assistant_id, direction, to_number, from_number, status, status_reason,
                                   provider_call_sid, dial_started_at, ended_at)
                VALUES (\(workspaceID), \(assistantID), 'inbound', \(to), \(from), \(status.rawValue), \(reason), \(callSID), now(),
                        CASE WHEN \(status.isFinal) THEN now() END)
                ON CONFLICT (provider_call_sid) DO NOTHING
                RETURNING \(unescaped: columns)
            )
            SELECT \(unescaped: columns) FROM made
            UNION ALL
            SELECT \(unescaped: columns) FROM calls WHERE provider_call_sid = \(callSID) AND NOT EXISTS (SELECT 1 FROM made)
            """, logger: logger)
        guard let record = try await decode(rows).first else { throw StoreInvariantError.insertReturnedNothing }
        return record
    }

    /// A call of the workspace; nil for another workspace's call.
    public static func call(workspaceID: UUID, id: UUID, on connection: PostgresConnection, logger: Logger) async throws -> CallRecord? {
        let rows = try await connection.query(
            "SELECT \(unescaped: columns) FROM calls WHERE workspace_id = \(workspaceID) AND id = \(id)", logger: logger)
        return try await decode(rows).first
    }

    /// A call by id alone, for its own jobs and the provider's callbacks.
    public static func call(id: UUID, on connection: PostgresConnection, logger: Logger) async throws -> CallRecord? {
        let rows = try await connection.query("SELECT \(unescaped: columns) FROM calls WHERE id = \(id)", logger: logger)
        return try await decode(rows).first
    }

    /// The call an outbound dial job was made for (an `Idempotency-Key` repeat finds it this way).
    public static func call(workspaceID: UUID, jobID: Int64, on connection: PostgresConnection, logger: Logger) async throws -> CallRecord? {
        let rows = try await connection.query(
            "SELECT \(unescaped: columns) FROM calls WHERE workspace_id = \(workspaceID) AND job_id = \(jobID)", logger: logger)
        return try await decode(rows).first
    }

    /// Filters of the call history; nil means any.
    public struct HistoryFilter: Sendable {
        public var status: CallStatus?
        public var direction: String?
        public var assistantID: UUID?
        public var number: String?
        public var since: Date?
        public var until: Date?

        public init(status: CallStatus? = nil, direction: String? = nil, assistantID: UUID? = nil, number: String? = nil,
                    since: Date? = nil, until: Date? = nil) {
            self.status = status
            self.direction = direction
            self.assistantID = assistantID
            self.number = number
            self.since = since
            self.until = until
        }
    }

    /// Newest first; `before` (created_at, id) of the last row seen pages backwards.
    public static func history(
        workspaceID: UUID, filter: HistoryFilter, before: (Date, UUID)?, limit: Int,
        on connection: PostgresConnection, logger: Logger
    ) async throws -> [CallRecord] {
        let rows = try await connection.query("""
            SELECT \(unescaped: columns) FROM calls
            WHERE workspace_id = \(workspaceID)
              AND (\(filter.status?.rawValue)::text IS NULL OR status = \(filter.status?.rawValue))
              AND (\(filter.direction)::text IS NULL OR direction = \(filter.direction))
              AND (\(filter.assistantID)::uuid IS NULL OR assistant_id = \(filter.assistantID))
              AND (\(filter.number)::text IS NULL OR to_number = \(filter.number) OR from_number = \(filter.number))
              AND (\(filter.since)::timestamptz IS NULL OR created_at >= \(filter.since))
              AND (\(filter.until)::timestamptz IS NULL OR created_at < \(filter.until))
              AND (\(before?.0)::timestamptz IS NULL OR (created_at, id) < (\(before?.0), \(before?.1)))
            ORDER BY created_at DESC, id DESC
            LIMIT \(limit)
            """, logger: logger)
        return try await decode(rows)
    }

    /// Calls of the workspace that may still be connected (the per-workspace concurrency limit).
    public static func liveCount(workspaceID: UUID, on connection: PostgresConnection, logger: Logger) async throws -> Int {
        let rows = try await connection.query("""
            SELECT count(*) FROM calls
            WHERE workspace_id = \(workspaceID) AND status IN ('dialing', 'queued', 'initiated', 'ringing', 'in-progress')
            """, logger: logger)
        for try await count in rows.decode(Int.self) { return count }
        return 0
    }

    /// Notes that a dial request is about to go out. From then on a retry asks the provider before
    /// dialling again, because the request may have created the call even if its answer was lost.
    public static func markDialing(id: UUID, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("""
            UPDATE calls SET status = 'dialing', dial_started_at = COALESCE(dial_started_at, now()), updated_at = now()
            WHERE id = \(id) AND status IN ('pending', 'dialing')
            """, logger: logger)
    }

    /// Back to `pending` after the provider said for certain that it did not create the call (429).
    public static func markNotDialed(id: UUID, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("""
            UPDATE calls SET status = 'pending', dial_started_at = NULL, updated_at = now()
            WHERE id = \(id) AND status = 'dialing' AND provider_call_sid IS NULL
            """, logger: logger)
    }

    /// Records the provider's call: its SID (once) and its status when that moves the call forward.
    /// Returns the call's status afterwards (`canceled` when it was ended while the dial was out).
    @discardableResult
    public static func recordDialed(id: UUID, callSID: String, status: CallStatus, on connection: PostgresConnection,
                                    logger: Logger) async throws -> CallStatus? {
        let ranked = CallStatus.allCases.filter { $0.rank < status.rank }.map(\.rawValue)
        let rows = try await connection.query("""
            UPDATE calls
            SET provider_call_sid = COALESCE(provider_call_sid, \(callSID)),
                status = CASE WHEN status = ANY(\(ranked)::text[]) THEN \(status.rawValue) ELSE status END,
                status_reason = CASE WHEN status = ANY(\(ranked)::text[]) THEN NULL ELSE status_reason END,
                updated_at = now()
            WHERE id = \(id)
            RETURNING status
            """, logger: logger)
        for try await text in rows.decode(String.self) { return CallStatus(rawValue: text) }
        return nil
    }

    /// Ends a call that was never placed (or whose dialling gave up), with the reason.
    public static func reject(
        id: UUID, status: CallStatus = .rejected, reason: String, providerErrorCode: Int?,
        on connection: PostgresConnection, logger: Logger
    ) async throws {
        let rows = try await connection.query("""
            UPDATE calls SET status = \(status.rawValue), status_reason = \(reason), provider_error_code = \(providerErrorCode),
                ended_at = now(), updated_at = now()
            WHERE id = \(id) AND provider_call_sid IS NULL AND status IN ('pending', 'dialing')
            RETURNING id
            """, logger: logger)
        for try await _ in rows.decode(UUID.self) {
            if let call = try await call(id: id, on: connection, logger: logger) {
                try await WebhookEvents.callEnded(call, on: connection, logger: logger)
            }
        }
    }

    /// Whether another call row already claims the provider's call `sid` (a lookup must not adopt it).
    public static func isClaimed(callSID: String, on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        let rows = try await connection.query("SELECT 1 FROM calls WHERE provider_call_sid = \(callSID)", logger: logger)
        for try await _ in rows.decode(Int.self) { return true }
        return false
    }

    /// One status callback from the provider.
    public struct StatusUpdate: Sendable {
        public var callSID: String
        public var status: CallStatus
        /// The provider's order of callbacks for the call; nil when it sends none.
        public var sequence: Int?
        public var durationSeconds: Int?
        public var recordingURL: String?
        public var recordingSID: String?

        public init(callSID: String, status: CallStatus, sequence: Int?, durationSeconds: Int?,
                    recordingURL: String?, recordingSID: String?) {
            self.callSID = callSID
            self.status = status
            self.sequence = sequence
            self.durationSeconds = durationSeconds
            self.recordingURL = recordingURL
            self.recordingSID = recordingSID
        }
    }

    /// What applying a callback did.
    public enum StatusChange: Sendable, Equatable {
        /// No call has that SID (and none is named by `callID`).
        case unknownCall
        /// An older or repeated callback: nothing changed.
        case stale(CallRecord)
        case applied(CallRecord, endedNow: Bool)
    }

    /// Applies a status callback. The row is locked, so concurrent callbacks of one call apply one
    /// after the other, and a callback never moves a call backwards (`sequence`, then status order).
    /// `callID` (from the callback URL) binds the SID when the dial job's answer was lost.
    public static func apply(
        _ update: StatusUpdate, callID: UUID?, on connection: PostgresConnection, logger: Logger
    ) async throws -> StatusChange {
        let rows = try await connection.query("""
            SELECT \(unescaped: columns), last_callback_sequence FROM calls
            WHERE provider_call_sid = \(update.callSID)
               OR (\(callID)::uuid IS NOT NULL AND id = \(callID) AND provider_call_sid IS NULL)
            ORDER BY provider_call_sid IS NULL
            LIMIT 1
            FOR UPDATE
            """, logger: logger)
        var found: (CallRecord, Int)?
        for try await row in rows {
            found = (try decodeRow(row), try row.makeRandomAccess()[23].decode(Int.self))
        }
        guard let (call, lastSequence) = found else { return .unknownCall }
        if let sequence = update.sequence, sequence <= lastSequence { return .stale(call) }
        if update.status.rank < call.status.rank || (call.status.isFinal && update.status != call.status) {
            return .stale(call)
        }
        let endedNow = update.status.isFinal && !call.status.isFinal
        let updated = try await decode(try await connection.query("""
            UPDATE calls SET
                provider_call_sid = COALESCE(provider_call_sid, \(update.callSID)),
                status = \(update.status.rawValue),
                status_reason = CASE WHEN \(update.status.isFinal) THEN status_reason ELSE NULL END,
                last_callback_sequence = GREATEST(last_callback_sequence, \(update.sequence ?? lastSequence)),
                duration_seconds = COALESCE(\(update.durationSeconds), duration_seconds),
                recording_url = COALESCE(\(update.recordingURL), recording_url),
                recording_sid = COALESCE(\(update.recordingSID), recording_sid),
                answered_at = CASE WHEN \(update.status.rawValue) = 'in-progress' THEN COALESCE(answered_at, now()) ELSE answered_at END,
                ended_at = CASE WHEN \(endedNow) THEN now() ELSE ended_at END,
                updated_at = now()
            WHERE id = \(call.id)
            RETURNING \(unescaped: columns)
            """, logger: logger))
        guard let record = updated.first else { throw StoreInvariantError.insertReturnedNothing }
        return .applied(record, endedNow: endedNow)
    }

    /// Stores a call's transcript.
    public static func saveTranscript(id: UUID, _ transcript: Transcript, on connection: PostgresConnection, logger: Logger) async throws {
        let segments = String(decoding: try JSONEncoder().encode(transcript.segments ?? []), as: UTF8.self)
        try await connection.query("""
            UPDATE calls SET transcript_text = \(transcript.text), transcript_language = \(transcript.language),
                transcript_segments = \(segments)::jsonb, transcript_seconds = \(transcript.duration),
                transcribed_at = now(), updated_at = now()
            WHERE id = \(id)
            """, logger: logger)
    }

    /// Stores the charge of a finished call (the ledger entry is written beside it by the caller).
    public static func setCost(id: UUID, cost: Int64, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("UPDATE calls SET cost = \(cost), updated_at = now() WHERE id = \(id)", logger: logger)
    }

    /// Takes the next dial slot of a provider account, keeping all workers together at most one dial
    /// per `spacing`. Returns how long to wait for the slot, or nil when the next free slot is further
    /// away than `horizon` (then nothing is taken; the caller tries again later).
    public static func reserveDialSlot(
        account: String, spacing: Duration, horizon: Duration, on connection: PostgresConnection, logger: Logger
    ) async throws -> Duration? {
        let spacingSeconds = spacing.seconds, horizonSeconds = horizon.seconds
        let rows = try await connection.query("""
            INSERT INTO call_dial_pacing AS p (account, next_slot) VALUES (\(account), now() + \(spacingSeconds) * interval '1 second')
            ON CONFLICT (account) DO UPDATE
                SET next_slot = GREATEST(p.next_slot, now()) + \(spacingSeconds) * interval '1 second'
                WHERE p.next_slot <= now() + \(horizonSeconds) * interval '1 second'
            RETURNING EXTRACT(EPOCH FROM (p.next_slot - \(spacingSeconds) * interval '1 second' - now()))::float8
            """, logger: logger)
        for try await wait in rows.decode(Double.self) { return .milliseconds(Int64(max(0, wait) * 1000)) }
        return nil
    }

    /// Stores the recording Twilio finished for a call (its recording status callback), keeping one
    /// that is already there; the call as it is now, nil when no call has that SID.
    public static func attachRecording(callSID: String, url: String, recordingSID: String, on connection: PostgresConnection,
                                       logger: Logger) async throws -> CallRecord? {
        let rows = try await connection.query("""
            UPDATE calls SET recording_url = coalesce(recording_url, \(url)), recording_sid = coalesce(recording_sid, \(recordingSID)),
                updated_at = now()
            WHERE provider_call_sid = \(callSID)
            RETURNING \(unescaped: columns)
            """, logger: logger)
        return try await decode(rows).first
    }

    static func decode(_ rows: PostgresRowSequence) async throws -> [CallRecord] {
        var records: [CallRecord] = []
        for try await row in rows { records.append(try decodeRow(row)) }
        return records
    }

    /// Reads the `columns` by position (a caller may select more after them).
    static func decodeRow(_ row: PostgresRow) throws -> CallRecord {
        let cells = row.makeRandomAccess()
        return CallRecord(
            id: try cells[0].decode(UUID.self), workspaceID: try cells[1].decode(UUID.self),
            assistantID: try cells[2].decode(UUID?.self), direction: try cells[3].decode(String.self),
            toNumber: try cells[4].decode(String.self), fromNumber: try cells[5].decode(String.self),
            status: CallStatus(rawValue: try cells[6].decode(String.self)) ?? .failed,
            statusReason: try cells[7].decode(String?.self), providerCallSID: try cells[8].decode(String?.self),
            providerErrorCode: try cells[9].decode(Int?.self), dialStartedAt: try cells[10].decode(Date?.self),
            jobID: try cells[11].decode(Int64?.self), record: try cells[12].decode(Bool.self),
            recordingURL: try cells[13].decode(String?.self), durationSeconds: try cells[14].decode(Int?.self),
            cost: try cells[15].decode(Int64?.self), createdAt: try cells[16].decode(Date.self),
            answeredAt: try cells[17].decode(Date?.self), endedAt: try cells[18].decode(Date?.self),
            updatedAt: try cells[19].decode(Date.self), transcriptText: try cells[20].decode(String?.self),
            transcriptLanguage: try cells[21].decode(String?.self), transcriptSeconds: try cells[22].decode(Double?.self))
    }
}
