import Foundation

/// A call and where it is in its life, as stored.
public struct CallRecord: Sendable, Equatable {
    public let id: UUID
    public let workspaceID: UUID
    public let assistantID: UUID?
    public let direction: String
    public let toNumber: String
    public let fromNumber: String
    public let status: CallStatus
    public let statusReason: String?
    public let providerCallSID: String?
    public let providerErrorCode: Int?
    public let dialStartedAt: Date?
    public let jobID: Int64?
    public let record: Bool
    public let recordingURL: String?
    public let durationSeconds: Int?
    /// Millicredits charged.
    public let cost: Int64?
    public let createdAt: Date
    public let answeredAt: Date?
    public let endedAt: Date?
    public let updatedAt: Date
    public let transcriptText: String?
    public let transcriptLanguage: String?
    /// Seconds of audio transcribed.
    public let transcriptSeconds: Double?
}

/// The states of a call: ours before the provider has it, then the provider's own call statuses.
public enum CallStatus: String, Sendable, Codable, CaseIterable {
    /// The row exists; its dial job has not sent the request yet.
    case pending
    /// A dial request went out; its outcome is not known yet.
    case dialing
    /// Never placed (credits, a provider's refusal of the request); `statusReason` says why.
    case rejected
    case queued, initiated, ringing
    case inProgress = "in-progress"
    case completed, busy
    case noAnswer = "no-answer"
    case failed, canceled

    /// No further status change is expected.
    public var isFinal: Bool {
        switch self {
        case .rejected, .completed, .busy, .noAnswer, .failed, .canceled: true
        default: false
        }
    }

    /// How far along a status is, so an out-of-order callback never moves a call backwards.
    public var rank: Int {
        switch self {
        case .pending: 0
        case .dialing: 1
        case .queued: 2
        case .initiated: 3
        case .ringing: 4
        case .inProgress: 5
        case .rejected, .completed, .busy, .noAnswer, .failed, .canceled: 6
        }
    }
}
