import Foundation
import Logging
import Platform
import PostgresNIO
import Providers
import QueueEngine

/// Runs `CampaignChunkJob` (its arguments and defaults are defined in Platform, for producers).
public struct CampaignChunkHandler: JobHandler {
    public typealias Definition = CampaignChunkJob
    public typealias Args = CampaignChunkJob.Args

    struct Result: Codable {
        let sent: Int
        let skipped: Int
        let bounced: Int
        let failed: Int
    }

    let client: PostgresClient
    let mail: MailService?

    public init(client: PostgresClient, mail: MailService?) {
        self.client = client
        self.mail = mail
    }

    /// A recipient whose email rendered, with its substitutions into the chunk's skeleton when it
    /// can travel in a batch.
    struct Prepared {
        let recipient: PendingRecipient
        let message: EmailMessage
        let substitutions: [String: String]?
    }

    public func run(_ args: Args, context: JobContext) async throws -> JobOutcome {
        if let reason = MailService.unavailableReason(mail) { return .discard(reason: reason) }
        guard let mail else { return .discard(reason: "email is not configured") }
        let logger = context.logger
        let loaded: (CampaignRecord, WorkspaceTemplate?, [PendingRecipient], [String: String])? = try await client.withConnection { connection in
            guard let campaign = try await CampaignStore.campaign(id: args.campaignID, on: connection, logger: logger),
                  campaign.state == "sending" else { return nil }
            let template = try await CampaignMessage.template(named: campaign.template, workspaceID: campaign.workspaceID,
                                                              templates: mail.templates, on: connection, logger: logger)
            let pending = try await CampaignStore.pending(campaignID: campaign.id, chunk: args.chunk, on: connection, logger: logger)
            let suppressed = try await EmailStore.suppressions(of: pending.map(\.address), workspaceID: campaign.workspaceID,
                                                               on: connection, logger: logger)
            return (campaign, template, pending, suppressed)
        }
        guard let (campaign, template, pending, suppressed) = loaded else { return .success }
        let campaignVariables = (try? JSONDecoder().decode([String: TemplateValue].self, from: Data(campaign.variablesJSON.utf8))) ?? [:]
        var tally = (sent: 0, skipped: 0, bounced: 0, failed: 0)

        // Settle the recipients that need no send, then render the rest.
        var skipped: [(Int64, String)] = []
        var unrendered: [(Int64, String)] = []
        var prepared: [Prepared] = []
        var shared = campaignVariables.merging(mail.templates.globals) { own, _ in own }
        let personal = Set(CampaignMessage.recipientVariables).union(BatchSkeleton.personalKeys(of: pending.map(\.variables), shared: &shared))
        let skeleton = template?.primary.flatMap { BatchSkeleton(template: $0, shared: shared, personalKeys: personal) }
        for recipient in pending {
            if let reason = suppressed[recipient.address.lowercased()] {
                skipped.append((recipient.id, reason))
                continue
            }
            guard let template else {
                unrendered.append((recipient.id, "template \(campaign.template) does not exist"))
                continue
            }
            let unsubscribe = CampaignMessage.unsubscribeURL(workspaceID: campaign.workspaceID, address: recipient.address,
                                                             mail: mail.configuration, sealer: mail.sealer)
            let variables = CampaignMessage.variables(
                campaign: campaignVariables, recipient: CampaignRecipient(address: recipient.address, name: recipient.name,
                                                                          variables: recipient.variables),
                unsubscribeURL: unsubscribe)
            let rendered: RenderedEmail
            do {
                rendered = try template.render(variables)
            } catch {
                unrendered.append((recipient.id, "\(error)"))
                continue
            }
            let message = EmailMessage(
                id: mail.configuration.messageID("campaign-\(campaign.id.uuidString.lowercased())-\(recipient.id)"), from: mail.configuration.from,
                to: EmailAddress(recipient.address, name: recipient.name), subject: rendered.subject, text: rendered.text, html: rendered.html,
                headers: [("List-Unsubscribe", "<\(unsubscribe)>"), ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")])
            prepared.append(Prepared(recipient: recipient, message: message,
                                     substitutions: skeleton?.substitutions(for: variables, rendered: rendered)))
        }
        if !skipped.isEmpty || !unrendered.isEmpty {
            try await client.transaction(logger: logger) { connection in
                for (id, reason) in skipped {
                    try await CampaignStore.mark(recipientIDs: [id], state: "skipped", error: reason, on: connection, logger: logger)
                }
                for (id, reason) in unrendered {
                    try await CampaignStore.mark(recipientIDs: [id], state: "failed", error: reason, on: connection, logger: logger)
                }
            }
            tally.skipped = skipped.count
            tally.failed = unrendered.count
        }

        var pacing = CampaignPacing(mail: mail, workspaceID: campaign.workspaceID)
        var position = 0
        while position < prepared.count {
            try Task.checkCancellation()
            let group = Self.nextGroup(prepared[position...], limit: await mail.mailer.batchLimit())
            position += group.count
            try await pacing.wait(for: group.count)
            let batch: EmailBatch
            if let skeleton, group.count > 1 {
                batch = EmailBatch(from: mail.configuration.from, subject: skeleton.subject, text: skeleton.text, html: skeleton.html,
                                   recipients: group.map {
                                       EmailBatch.Recipient(id: $0.message.id, to: $0.message.to, substitutions: $0.substitutions ?? [:],
                                                            headers: $0.message.headers)
                                   })
            } else {
                batch = EmailBatch(group[0].message)
            }
            let results = await mail.mailer.send(batch)
            var sentBy: [String: [Int64]] = [:]
            var bounced: [(id: Int64, provider: String, address: String, reason: String)] = []
            var failure: MailError?
            for (item, result) in zip(group, results) {
                switch result {
                case .success(let provider): sentBy[provider, default: []].append(item.recipient.id)
                case .failure(.rejected(let provider, let address, let reason)): bounced.append((item.recipient.id, provider, address, reason))
                case .failure(let error): failure = failure ?? error
                }
            }
            try await client.transaction(logger: logger) { connection in
                for (provider, ids) in sentBy {
                    try await CampaignStore.mark(recipientIDs: ids, state: "sent", provider: provider, on: connection, logger: logger)
                }
                for bounce in bounced {
                    try await CampaignStore.mark(recipientIDs: [bounce.id], state: "bounced", provider: bounce.provider, error: bounce.reason,
                                                 on: connection, logger: logger)
                    try await EmailStore.suppress(bounce.address, reason: bounce.reason, provider: bounce.provider, on: connection, logger: logger)
                }
            }
            tally.sent += sentBy.values.reduce(0) { $0 + $1.count }
            tally.bounced += bounced.count
            if let failure {
                guard context.attempt >= context.maxAttempts else { throw failure }
                try await client.transaction(logger: logger) { connection in
                    try await CampaignStore.closeChunk(campaignID: campaign.id, chunk: args.chunk, state: "failed", error: failure.description,
                                                       on: connection, logger: logger)
                    if try await CampaignStore.completeIfDone(campaignID: campaign.id, on: connection, logger: logger) {
                        try await WebhookEvents.campaignCompleted(campaign, on: connection, logger: logger)
                    }
                }
                return .discard(reason: "out of attempts: \(failure); the chunk's remaining recipients are marked failed")
            }
            try await context.reportProgress(position * 100 / prepared.count)
        }
        try await client.transaction(logger: logger) { connection in
            if try await CampaignStore.completeIfDone(campaignID: campaign.id, on: connection, logger: logger) {
                try await WebhookEvents.campaignCompleted(campaign, on: connection, logger: logger)
            }
        }
        return try .success(Result(sent: tally.sent, skipped: tally.skipped, bounced: tally.bounced, failed: tally.failed))
    }

    /// The recipients of the next send: up to `limit` that can share the skeleton, or one alone.
    static func nextGroup(_ rest: ArraySlice<Prepared>, limit: Int) -> [Prepared] {
        guard let first = rest.first else { return [] }
        guard limit > 1, first.substitutions != nil else { return [first] }
        return Array(rest.prefix(limit).prefix { $0.substitutions != nil })
    }
}
