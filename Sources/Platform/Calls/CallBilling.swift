import Foundation
import Logging
import PostgresNIO

/// Charges calls: a completed call is charged once, when its duration is known, as one ledger entry
/// whose reference is the call, so a repeated callback cannot charge twice.
public enum CallBilling {
    /// Charges `call` if it is completed, has a duration and was not charged yet; returns the charge.
    /// A call that already happened is charged in full even below a zero balance.
    @discardableResult
    public static func settle(_ call: CallRecord, settings: CallSettings, on connection: PostgresConnection, logger: Logger) async throws -> Int64? {
        guard call.status == .completed, let duration = call.durationSeconds, call.cost == nil else { return nil }
        let cost = settings.cost(durationSeconds: duration)
        if cost > 0 {
            _ = try await CreditStore.debit(
                workspaceID: call.workspaceID, amount: cost, reference: "call:\(call.id.uuidString.lowercased())",
                description: "call to \(call.toNumber), \(duration) s", allowOverdraft: true, on: connection, logger: logger)
        }
        try await CallStore.setCost(id: call.id, cost: cost, on: connection, logger: logger)
        return cost
    }
}
