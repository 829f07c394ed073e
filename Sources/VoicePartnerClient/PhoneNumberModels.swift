import Foundation

/// A number of the workspace: the line callers ring, and the assistant that answers it.
public struct PhoneNumber: Decodable, Sendable {
    public let id: UUID
    public let number: String
    public let label: String
    public let provider: String
    public let providerSID: String?
    public let assistantID: UUID?
    /// Where Twilio's configuration of the number stands (`configured`, `configuring`, `purchasing`, `failed`, …).
    public let providerStatus: String
    public let providerError: String?

    enum CodingKeys: String, CodingKey {
        case id, number, label, provider
        case providerSID = "provider_sid", assistantID = "assistant_id", providerStatus = "provider_status", providerError = "provider_error"
    }
}

/// Numbers on offer at Twilio and what buying one costs the workspace.
public struct AvailableNumbers: Decodable, Sendable {
    public struct Offer: Decodable, Sendable {
        public let number: String
        public let locality: String?
        public let region: String?
        public let country: String?
    }

    public let offers: [Offer]
    public let priceCredits: Double

    enum CodingKeys: String, CodingKey { case offers = "data", priceCredits = "price_credits" }
}
