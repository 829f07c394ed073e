import Foundation
import QueueEngine
import ServerSupport

/// How deliveries are retried and when an endpoint is given up on.
public struct WebhookSettings: Sendable {
    /// The delay before each retry: by default 1 min, 5 min, 30 min, 2 h, 4 h, 8 h and 10 h, so a
    /// delivery is tried for about a day (each delay ±10 % so retries of many deliveries spread).
    public var retrySchedule: [Duration]
    /// Failed attempts in a row (over all deliveries) after which the endpoint is disabled.
    public var disableAfter: Int
    public var timeout: Duration
    /// Bytes of an endpoint's answer kept in the delivery log.
    public static let excerptBytes = 1_024

    public static let defaultSchedule: [Duration] = [60, 300, 1_800, 7_200, 14_400, 28_800, 36_000].map { .seconds($0) }

    public init(retrySchedule: [Duration] = WebhookSettings.defaultSchedule, disableAfter: Int = 25, timeout: Duration = .seconds(10)) {
        self.retrySchedule = retrySchedule
        self.disableAfter = disableAfter
        self.timeout = timeout
    }

    public init(environment: Environment) throws {
        var schedule = Self.defaultSchedule
        if let text = environment["WEBHOOK_RETRY_SCHEDULE"] {
            let values = text.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
            guard !values.isEmpty, values.count <= 30, values.allSatisfy({ ($0 ?? -1) > 0 && ($0 ?? 0) <= 604_800 }) else {
                throw ConfigurationError("WEBHOOK_RETRY_SCHEDULE", "must be up to 30 comma-separated delays in seconds, each from 0 to 604800")
            }
            schedule = values.map { .milliseconds(Int64($0! * 1_000)) }
        }
        self.init(retrySchedule: schedule,
                  disableAfter: try environment.int("WEBHOOK_DISABLE_AFTER", default: 25, range: 1...10_000),
                  timeout: try environment.milliseconds("WEBHOOK_TIMEOUT_MS", default: .seconds(10)))
    }

    /// The delay before retry number `retry` (1-based), jittered; nil when the schedule is spent.
    public func delay(beforeRetry retry: Int) -> Duration? {
        guard retry >= 1, retry <= retrySchedule.count else { return nil }
        return retrySchedule[retry - 1] * Double.random(in: 0.9...1.1)
    }
}
