import QueueEngine
import ServerSupport

/// The platform's rules for placing calls, from the environment (amounts in millicredits).
public struct CallSettings: Sendable, Equatable {
    /// No call is placed when the workspace's balance, less what its live calls hold, is below this.
    public var minimumBalance: Int64
    /// What each live call holds back from the balance until it ends and is charged.
    public var reservePerCall: Int64
    /// The charge per started minute of a completed call.
    public var costPerMinute: Int64
    public var maxConcurrentPerWorkspace: Int
    /// Dials per second across all workers (Twilio's default is one per second per account).
    public var dialsPerSecond: Int
    /// Seconds a call may ring before it counts as not answered.
    public var ringTimeoutSeconds: Int
    /// The charge per started minute of transcribed audio.
    public var transcriptionCostPerMinute: Int64
    /// The charge for a number bought through the API (refunded when the provider refuses the purchase).
    public var numberPurchaseCost: Int64 = 50_000

    public init(minimumBalance: Int64 = 1_000, reservePerCall: Int64 = 2_000, costPerMinute: Int64 = 1_000,
                maxConcurrentPerWorkspace: Int = 10, dialsPerSecond: Int = 1, ringTimeoutSeconds: Int = 30,
                transcriptionCostPerMinute: Int64 = 200) {
        self.minimumBalance = minimumBalance
        self.reservePerCall = reservePerCall
        self.costPerMinute = costPerMinute
        self.maxConcurrentPerWorkspace = maxConcurrentPerWorkspace
        self.dialsPerSecond = dialsPerSecond
        self.ringTimeoutSeconds = ringTimeoutSeconds
        self.transcriptionCostPerMinute = transcriptionCostPerMinute
    }

    /// The largest amount a setting may name (a billion credits): the charge arithmetic on them
    /// (reserves times live calls, minutes times the rate) stays far inside `Int64`.
    public static let maximumMillicredits = 1_000_000_000_000

    public init(environment: Environment) throws {
        let defaults = CallSettings()
        self.init(
            minimumBalance: Int64(try environment.int("CALL_MIN_BALANCE_MILLICREDITS", default: Int(defaults.minimumBalance),
                                                      range: 0...Self.maximumMillicredits)),
            reservePerCall: Int64(try environment.int("CALL_RESERVE_MILLICREDITS", default: Int(defaults.reservePerCall),
                                                      range: 0...Self.maximumMillicredits)),
            costPerMinute: Int64(try environment.int("CALL_COST_PER_MINUTE_MILLICREDITS", default: Int(defaults.costPerMinute),
                                                     range: 0...Self.maximumMillicredits)),
            maxConcurrentPerWorkspace: try environment.int("CALL_MAX_CONCURRENT_PER_WORKSPACE", default: defaults.maxConcurrentPerWorkspace,
                                                           range: 1...10_000),
            dialsPerSecond: try environment.int("CALL_DIALS_PER_SECOND", default: defaults.dialsPerSecond, range: 1...1_000),
            ringTimeoutSeconds: try environment.int("CALL_RING_TIMEOUT_SECONDS", default: defaults.ringTimeoutSeconds, range: 5...600),
            transcriptionCostPerMinute: Int64(try environment.int("TRANSCRIPTION_COST_PER_MINUTE_MILLICREDITS",
                                                                  default: Int(defaults.transcriptionCostPerMinute),
                                                                  range: 0...Self.maximumMillicredits)))
        numberPurchaseCost = Int64(try environment.int("NUMBER_PURCHASE_COST_MILLICREDITS", default: Int(defaults.numberPurchaseCost),
                                                       range: 0...Self.maximumMillicredits))
    }

    /// Why a workspace with `liveCalls` calls that may still be connected and `balance` millicredits
    /// may not take one more call, or nil when it may. Each live call holds `reservePerCall` back.
    public func refusal(liveCalls: Int, balance: Int64) -> CallRefusal? {
        if liveCalls >= maxConcurrentPerWorkspace { return .atConcurrencyLimit(liveCalls: liveCalls) }
        let available = balance - Int64(liveCalls) * reservePerCall
        let needed = minimumBalance + reservePerCall
        return available < needed ? .insufficientCredits(available: available, needed: needed, liveCalls: liveCalls) : nil
    }

    /// The charge of a completed call: every started minute.
    public func cost(durationSeconds: Int) -> Int64 {
        Self.perStartedMinute(Double(durationSeconds), costPerMinute)
    }

    /// The charge of a transcription: every started minute of audio.
    public func transcriptionCost(seconds: Double) -> Int64 {
        Self.perStartedMinute(seconds, transcriptionCostPerMinute)
    }

    /// Saturates instead of trapping: inputs are checked where they enter (a call's or a recording's
    /// duration), this only keeps a value that slipped through from crashing the process.
    static func perStartedMinute(_ seconds: Double, _ rate: Int64) -> Int64 {
        guard seconds > 0, seconds.isFinite else { return 0 }
        let minutes = Int64(min((seconds / 60).rounded(.up), 1_000_000_000))
        let (cost, overflow) = minutes.multipliedReportingOverflow(by: rate)
        return overflow ? Int64.max / 2 : cost
    }

    /// The spacing between two dials of one account.
    public var dialSpacing: Duration { .milliseconds(1_000 / dialsPerSecond) }
}

/// Why a call is not placed or taken now.
public enum CallRefusal: Sendable, Equatable, CustomStringConvertible {
    case atConcurrencyLimit(liveCalls: Int)
    case insufficientCredits(available: Int64, needed: Int64, liveCalls: Int)

    public var description: String {
        switch self {
        case .atConcurrencyLimit(let live): "the workspace has \(live) live calls, its limit"
        case .insufficientCredits(let available, let needed, let live):
            "insufficient credits: \(available) millicredits available after \(live) live calls; a call needs \(needed)"
        }
    }
}
