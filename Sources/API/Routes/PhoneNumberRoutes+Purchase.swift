import Foundation
import Hummingbird
import Platform
import Providers
import QueueEngine

/// `GET /api/phone-numbers/available` and `POST /api/phone-numbers/purchase`: numbers on offer at
/// Twilio, and buying one for the workspace (its Owners, or platform operators). The price is charged when the purchase
/// is accepted and refunded if Twilio refuses it; the `numbers.purchase` job buys it and points its
/// calls here.
extension PhoneNumberRoutes {
    struct AvailableView: ResponseEncodable {
        struct Item: Encodable {
            let number: String
            let locality: String?
            let region: String?
            let country: String?
        }
        let data: [Item]
        let priceCredits: Double
    }

    struct PurchaseBody: Decodable {
        let number: String
        let label: String?
        let assistantID: String?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case number, label
            case assistantID = "assistant_id"
        }
    }

    func twilio() throws -> TwilioClient {
        guard let twilio = providers.twilio else {
            throw APIError(.conflict, .invalidState, "no Twilio account is configured in this deployment")
        }
        return twilio
    }

    @Sendable func available(_ request: Request, context: APIRequestContext) async throws -> AvailableView {
        _ = try await accessControl.admitOrOperator(request, context, requiring: .phoneNumbersPurchase)
        let query = request.uri.queryParameters
        let country = String(query["country"] ?? "US").uppercased()
        guard country.count == 2, country.allSatisfy({ $0.isASCII && $0.isLetter }) else {
            throw APIError.validation(field: "country", "must be a two-letter country code such as US or DE")
        }
        let areaCode = query["area_code"].map(String.init)
        if let areaCode, !(areaCode.count <= 5 && areaCode.allSatisfy({ $0.isASCII && $0.isNumber })) {
            throw APIError.validation(field: "area_code", "must be up to 5 digits")
        }
        let contains = query["contains"].map(String.init)
        if let contains, !(1...10).contains(contains.count) || !contains.allSatisfy({ $0.isASCII && ($0.isNumber || $0.isLetter || $0 == "*") }) {
            throw APIError.validation(field: "contains", "must be 1 to 10 digits, letters or *")
        }
        let limit = try Validation.limit(query["limit"].map(String.init))
        let twilio = try twilio()
        let offered: [TwilioAvailableNumber]
        do {
            offered = try await twilio.availableNumbers(country: country, areaCode: areaCode, contains: contains, limit: min(limit, 50))
        } catch {
            throw APIError(.badGateway, .unavailable, "Twilio did not list numbers: \(error)")
        }
        return AvailableView(data: offered.map { .init(number: $0.phoneNumber, locality: $0.locality, region: $0.region, country: $0.isoCountry) },
                             priceCredits: AnalyticsRoutes.credits(providers.calls.numberPurchaseCost))
    }

    @Sendable func purchase(_ request: Request, context: APIRequestContext) async throws -> EditedResponse<PhoneNumberView> {
        let access = try await accessControl.admitOrOperator(request, context, requiring: .phoneNumbersPurchase)
        _ = try twilio()
        let body = try await RequestBody.decode(PurchaseBody.self, from: request, context: context,
                                                allowedKeys: Set(PurchaseBody.CodingKeys.allCases.map(\.rawValue)))
        let number = try Self.e164(body.number)
        let label = try Validation.text(body.label ?? "", field: "label", maxLength: 100, allowEmpty: true)
        let price = providers.calls.numberPurchaseCost
        let logger = database.logger
        let record = try await database.write { transaction in
            let connection = transaction.connection
            let assistant = try await Self.assistant(body.assistantID, access: access, on: transaction, logger: logger)
            guard let record = try await PhoneNumberStore.create(workspaceID: access.workspaceID, number: number, label: label, providerSID: nil,
                                                                 assistantID: assistant, status: .purchasing, on: connection, logger: logger)
            else { throw APIError(.conflict, .conflict, "this number is already registered") }
            if price > 0 {
                let change = try await CreditStore.debit(workspaceID: access.workspaceID, amount: price, reference: "number:\(record.id.idString)",
                                                         description: "purchase of \(number)", allowOverdraft: false, on: connection, logger: logger)
                if case .insufficient(let balance) = change {
                    throw APIError(.init(code: 402, reasonPhrase: "Payment Required"), .invalidState,
                                   "a number costs \(AnalyticsRoutes.credits(price)) credits; the balance is \(AnalyticsRoutes.credits(balance))")
                }
            }
            try await transaction.enqueue(PurchaseNumberJob.self, PurchaseNumberJob.Args(numberID: record.id), options: JobOptions(
                uniqueKey: "purchase:\(record.id.idString)", workspaceID: access.workspaceKey,
                concurrency: ConcurrencyLimit(key: "number:\(record.id.idString)", limit: 1)))
            try await AuditLog.record(access.audit("phone_number.purchase", "phone_number", record.id.idString, details: ["number": number]),
                                      on: connection, logger: logger)
            return record
        }
        return EditedResponse(status: .accepted, response: PhoneNumberView(record))
    }
}
