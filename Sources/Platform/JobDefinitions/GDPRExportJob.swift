import Foundation
import QueueEngine

/// Builds a user's personal-data export (`PersonalDataExport`), stores the ZIP, and emails the
/// user a link to it; the request is completed and the email enqueued in one transaction. The
/// archive can be downloaded by the same user until it expires (`GDPR_EXPORT_TTL_HOURS`).
public enum GDPRExportJob: JobDefinition {
    public struct Args: Codable, Sendable {
        public var requestID: UUID

        public init(requestID: UUID) {
            self.requestID = requestID
        }
    }

    public static let name = "gdpr.export"
    public static var defaults: JobDefaults {
        JobDefaults(queue: "gdpr", maxAttempts: 5, timeout: .seconds(1_800), retryPolicy: RetryPolicy(base: .seconds(30), cap: .seconds(1_800)))
    }
}
