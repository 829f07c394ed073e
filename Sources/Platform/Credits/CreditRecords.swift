import Foundation

/// A workspace's credit standing. Amounts are millicredits (1 credit = 1000).
public struct CreditAccount: Sendable, Equatable {
    public let workspaceID: UUID
    public let balance: Int64
    public let allowance: Int64
    /// Percentages of the allowance at which the credit check warns, highest first.
    public let warningThresholds: [Int]

    /// The lowest threshold the balance is at or below, if any (0 means the balance is used up).
    public var crossedThreshold: Int? {
        guard allowance > 0 else { return balance <= 0 ? 0 : nil }
        return warningThresholds.sorted().first { balance * 100 <= allowance * Int64($0) }
    }
}

public struct CreditEntry: Sendable, Equatable {
    public let id: Int64
    public let kind: String
    public let amount: Int64
    public let balanceAfter: Int64
    public let reference: String?
    public let description: String
    public let actorUserID: UUID?
    public let createdAt: Date
}
