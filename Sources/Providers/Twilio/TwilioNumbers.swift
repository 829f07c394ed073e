import Foundation

/// A number the account holds (an IncomingPhoneNumber) and where Twilio asks what to do with its calls.
public struct TwilioIncomingNumber: Decodable, Sendable, Equatable {
    public let sid: String
    public let phoneNumber: String
    public let voiceURL: String?
    public let statusCallback: String?

    enum CodingKeys: String, CodingKey {
        case sid
        case phoneNumber = "phone_number", voiceURL = "voice_url", statusCallback = "status_callback"
    }
}

/// A number on offer (AvailablePhoneNumbers), with what it can do.
public struct TwilioAvailableNumber: Decodable, Sendable, Equatable {
    public let phoneNumber: String
    public let friendlyName: String?
    public let locality: String?
    public let region: String?
    public let isoCountry: String?
    public let capabilities: [String: Bool]?

    enum CodingKeys: String, CodingKey {
        case locality, region, capabilities
        case phoneNumber = "phone_number", friendlyName = "friendly_name", isoCountry = "iso_country"
    }
}

/// The account's numbers (REST API 2010-04-01): find one, point its calls at this deployment, search
/// the numbers on offer and buy one.
extension TwilioClient {
    struct IncomingPage: Decodable {
        let incomingPhoneNumbers: [TwilioIncomingNumber]
        enum CodingKeys: String, CodingKey { case incomingPhoneNumbers = "incoming_phone_numbers" }
    }

    struct AvailablePage: Decodable {
        let availablePhoneNumbers: [TwilioAvailableNumber]
        enum CodingKeys: String, CodingKey { case availablePhoneNumbers = "available_phone_numbers" }
    }

    /// `GET /Accounts/{sid}/IncomingPhoneNumbers.json?PhoneNumber=…`: the account's number, nil when it does not hold it.
    public func incomingNumber(_ number: String) async throws(TwilioError) -> TwilioIncomingNumber? {
        let query = FormURLEncoding.encode([("PhoneNumber", number), ("PageSize", "20")])
        return try await send(.GET, "IncomingPhoneNumbers.json?\(query)", form: nil, as: IncomingPage.self).incomingPhoneNumbers
            .first { $0.phoneNumber == number }
    }

    /// `POST /Accounts/{sid}/IncomingPhoneNumbers/{PN…}.json`: calls to the number ask `voiceURL` (empty: nobody)
    /// and report their status to `statusCallback`.
    public func configureNumber(sid: String, voiceURL: String, statusCallback: String) async throws(TwilioError) -> TwilioIncomingNumber {
        try await send(.POST, "IncomingPhoneNumbers/\(FormURLEncoding.escape(sid)).json", form: [
            ("VoiceUrl", voiceURL), ("VoiceMethod", "POST"), ("StatusCallback", statusCallback), ("StatusCallbackMethod", "POST"),
        ], as: TwilioIncomingNumber.self)
    }

    /// `GET /Accounts/{sid}/AvailablePhoneNumbers/{country}/Local.json`: voice-capable local numbers on offer.
    public func availableNumbers(country: String, areaCode: String?, contains: String?,
                                 limit: Int) async throws(TwilioError) -> [TwilioAvailableNumber] {
        var query = [("VoiceEnabled", "true"), ("PageSize", String(limit))]
        if let areaCode { query.append(("AreaCode", areaCode)) }
        if let contains { query.append(("Contains", contains)) }
        return try await send(.GET, "AvailablePhoneNumbers/\(FormURLEncoding.escape(country))/Local.json?\(FormURLEncoding.encode(query))", form: nil,
                              as: AvailablePage.self).availablePhoneNumbers
    }

    /// `POST /Accounts/{sid}/IncomingPhoneNumbers.json`: buys `number`, its calls asking `voiceURL`.
    public func buyNumber(_ number: String, voiceURL: String, statusCallback: String) async throws(TwilioError) -> TwilioIncomingNumber {
        try await send(.POST, "IncomingPhoneNumbers.json", form: [
            ("PhoneNumber", number), ("VoiceUrl", voiceURL), ("VoiceMethod", "POST"), ("StatusCallback", statusCallback),
            ("StatusCallbackMethod", "POST"),
        ], as: TwilioIncomingNumber.self)
    }
}
